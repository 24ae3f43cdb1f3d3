package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of a repository (format version 1) and the header every one of them starts with.
 *
 * <pre>
 *   config                   FramedFile "DWBR" v1: JSON (repository id, chunker sizes, zstd level)
 *   keys/repo.dwk            KeyFile (dw-sdk): the data keys wrapped by passphrase slots
 *   data/&lt;2 hex&gt;/&lt;32 hex&gt;   pack files        magic "DWPK", u32 version, blobs, sealed trailer
 *   index/&lt;32 hex&gt;           index files       magic "DWIX", u32 version, sealed body
 *   snapshots/&lt;32 hex&gt;       snapshots         magic "DWSN", u32 version, sealed zstd JSON
 *   locks/&lt;name&gt;.lock        repository locks  FramedFile "DWLK" v1: JSON pid, host, time, kind
 * </pre>
 * Every file is written to a temporary name, forced, renamed and its directory forced; a name is
 * only ever visible for a complete file.
 */
public final class RepoLayout {
  /** Format version of every file this code writes. */
  public static final int VERSION = 1;
  /** Magic of the config file. */
  public static final int CONFIG_MAGIC = FramedFile.magic("DWBR");
  /** Magic of a pack file. */
  public static final int PACK_MAGIC = FramedFile.magic("DWPK");
  /** Magic at the very end of a pack file, after the trailer length. */
  public static final int PACK_END_MAGIC = FramedFile.magic("DWPE");
  /** Magic of an index file. */
  public static final int INDEX_MAGIC = FramedFile.magic("DWIX");
  /** Magic of a snapshot file. */
  public static final int SNAPSHOT_MAGIC = FramedFile.magic("DWSN");
  /** Magic of a lock file. */
  public static final int LOCK_MAGIC = FramedFile.magic("DWLK");
  /** Bytes of the header of packs, index files and snapshots: magic and version. */
  public static final int HEADER_SIZE = 8;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path root;

  public RepoLayout(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  public Path config() {
    return root.resolve("config");
  }

  public Path keyFile() {
    return root.resolve("keys").resolve("repo.dwk");
  }

  public Path dataDir() {
    return root.resolve("data");
  }

  public Path indexDir() {
    return root.resolve("index");
  }

  public Path snapshotDir() {
    return root.resolve("snapshots");
  }

  public Path lockDir() {
    return root.resolve("locks");
  }

  public Path pack(String name) {
    return dataDir().resolve(name.substring(0, 2)).resolve(name);
  }

  public Path index(String name) {
    return indexDir().resolve(name);
  }

  public Path snapshot(String id) {
    return snapshotDir().resolve(id);
  }

  /** A fresh random name: 32 hex digits. */
  public static String newName() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Whether {@code name} is a name this format writes (32 lower-case hex digits). */
  public static boolean isName(String name) {
    return name.length() == 32 && name.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }

  /** The header: magic and version. */
  public static byte[] header(int magic) {
    return ByteBuffer.allocate(HEADER_SIZE).putInt(magic).putInt(VERSION).array();
  }

  /**
   * Checks the header of {@code data} read from {@code file}.
   *
   * @throws DwException INTEGRITY naming the file when the magic or version is not what is expected
   */
  public static void checkHeader(byte[] data, int magic, Path file) {
    if (data.length < HEADER_SIZE) {
      throw DwException.integrity(file + ": too short for a header (" + data.length + " bytes)");
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    int m = b.getInt();
    int v = b.getInt();
    if (m != magic) {
      throw DwException.integrity(file + ": header mismatch: magic 0x" + Integer.toHexString(m) + " vs expected 0x"
          + Integer.toHexString(magic));
    }
    if (v != VERSION) {
      throw DwException.integrity(file + ": format version " + v + " is not supported (this code reads " + VERSION + ")");
    }
  }

  /** The names (32 hex digits) of the files in {@code dir}, sorted; empty when it does not exist. */
  public static List<String> names(Path dir) {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString()).filter(RepoLayout::isName).sorted().forEach(out::add);
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot list " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** The names of every pack file on disk. */
  public List<String> packNames() {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dataDir())) {
      for (Path sub : s.sorted().toList()) {
        if (Files.isDirectory(sub)) {
          out.addAll(names(sub));
        }
      }
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot list " + dataDir() + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** Temporary files left by interrupted writes, anywhere under data, index and snapshots. */
  public List<Path> leftoverTemporaries() {
    List<Path> out = new ArrayList<>();
    for (Path dir : List.of(dataDir(), indexDir(), snapshotDir(), root.resolve("keys"), root)) {
      collectTemps(dir, out, dir.equals(dataDir()));
    }
    return out;
  }

  private static void collectTemps(Path dir, List<Path> out, boolean recurse) {
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        if (p.getFileName().toString().startsWith(AtomicFiles.TEMP_PREFIX)) {
          out.add(p);
        } else if (recurse && Files.isDirectory(p)) {
          collectTemps(p, out, false);
        }
      }
    } catch (IOException e) {
      // a missing directory holds no leftovers
    }
  }
}
