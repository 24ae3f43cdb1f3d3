package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.tamperproof.RecordInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The local WORM files of records: one data file per record, written once and then read-only, and
 * a metadata file alongside it.
 *
 * <pre>
 *   records/&lt;xx&gt;/&lt;id&gt;.rec    data: u32 magic "DWTR", u16 version 1, u16 id length, id (UTF-8),
 *                           u64 content length, content
 *   records/&lt;xx&gt;/&lt;id&gt;.meta   FramedFile "DWTM" v1 with the record's {@link RecordInfo} as JSON
 *   quarantine/             data files of writes that never reached the ledger, set aside
 * </pre>
 *
 * {@code xx} is the first two hex digits of SHA-256 of the id, which spreads records over 256
 * directories whatever their ids look like.
 *
 * <p>A data file is written under a temporary name, forced, made read-only and renamed into place
 * without replacing anything (so an existing record can never be overwritten, even by a race), and
 * the directory is forced. Its SHA-256 is computed while it is written. It is not yet a record: the
 * ledger's WRITE entry is. The metadata file is a view of the ledger's state, written without a
 * force and rebuilt from the ledger when missing or stale.
 *
 * <p>Thread-safe (no shared mutable state besides the file system).
 */
public final class RecordFiles {
  static final int DATA_MAGIC = FramedFile.magic("DWTR");
  static final int META_MAGIC = FramedFile.magic("DWTM");
  private static final int VERSION = 1;
  private static final int BUFFER = 256 * 1024;
  public static final String DATA_SUFFIX = ".rec";
  public static final String META_SUFFIX = ".meta";

  /** The SHA-256 and length of content as written or read. */
  public record Digest(String sha256, long size) {}

  private static final Consumer<String> LOG_FALLBACK =
      m -> org.slf4j.LoggerFactory.getLogger(RecordFiles.class).warn("{}", m);
  private final Path records;
  private final Path quarantine;

  public RecordFiles(Path dataDir) {
    this.records = dataDir.resolve("records");
    this.quarantine = dataDir.resolve("quarantine");
  }

  /** The directory holding every record's files. */
  public Path root() {
    return records;
  }

  public Path dataFile(String id) {
    return dirOf(id).resolve(id + DATA_SUFFIX);
  }

  public Path metaFile(String id) {
    return dirOf(id).resolve(id + META_SUFFIX);
  }

  private Path dirOf(String id) {
    byte[] h = MerkleTree.sha256().digest(id.getBytes(StandardCharsets.UTF_8));
    return records.resolve(HexFormat.of().toHexDigits(h[0]));
  }

  /**
   * Writes record {@code id}'s data file from {@code content} and makes it durable and read-only.
   *
   * @param maxSize the largest content accepted; more is INVALID_ARGUMENT and nothing is kept
   * @throws DwException ALREADY_EXISTS when the data file exists; UNAVAILABLE on I/O errors (nothing
   *     is left behind)
   */
  public Digest write(String id, InputStream content, long maxSize) {
    Path target = dataFile(id);
    Path dir = target.getParent();
    Path tmp = dir.resolve(AtomicFiles.TEMP_PREFIX + id + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    int headerLen = 4 + 2 + 2 + idBytes.length + 8;
    MessageDigest sha = MerkleTree.sha256();
    long size = 0;
    try {
      Files.createDirectories(dir);
      if (Files.exists(target)) {
        throw DwException.of(ErrorCode.ALREADY_EXISTS, "a data file for record " + id + " exists already: " + target);
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.BIG_ENDIAN);
        buf.putInt(DATA_MAGIC).putShort((short) VERSION).putShort((short) idBytes.length).put(idBytes).putLong(-1L);
        byte[] chunk = new byte[BUFFER];
        long pos = 0;
        int n;
        while ((n = content.readNBytes(chunk, 0, Math.min(chunk.length, buf.remaining()))) > 0) {
          size += n;
          if (size > maxSize) {
            throw DwException.invalidArgument("record " + id + " is larger than the limit of " + maxSize
                + " bytes (maxRecordSize)");
          }
          sha.update(chunk, 0, n);
          buf.put(chunk, 0, n);
          if (!buf.hasRemaining()) {
            buf.flip();
            AtomicFiles.writeFully(ch, buf, pos);
            pos += buf.limit();
            buf.clear();
          }
        }
        buf.flip();
        AtomicFiles.writeFully(ch, buf, pos);
        AtomicFiles.writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(0, size), headerLen - 8);
        ch.force(true);
      }
      DurableFiles.makeReadOnly(tmp);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException e) {
        throw DwException.of(ErrorCode.ALREADY_EXISTS, "a data file for record " + id + " exists already: " + target, e);
      }
      if (Files.exists(tmp)) {
        throw new IOException("the rename of " + tmp + " replaced nothing but left the source behind");
      }
      AtomicFiles.fsyncDirectory(dir);
      return new Digest(HexFormat.of().formatHex(sha.digest()), size);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof DwException dw) {
        throw dw;
      }
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot write record " + id + " to " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replaces record {@code id}'s data file with {@code content} (a verified copy from elsewhere):
   * written and checked under a temporary name first, the damaged file (if any) moved to
   * quarantine as evidence, then the good one renamed into place.
   *
   * @param expectedSha256 the ledger's hash; a copy that does not match is INTEGRITY and changes nothing
   * @return where the damaged file was kept, or null when there was none
   */
  public Path restore(String id, InputStream content, String expectedSha256, long expectedSize) {
    Path target = dataFile(id);
    // written with the record's own header in a scratch store next to this one, then moved over
    Path scratch = records.resolveSibling(AtomicFiles.TEMP_PREFIX + "restore-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      RecordFiles tmp = new RecordFiles(scratch);
      Digest d = tmp.write(id, content, expectedSize);
      if (!d.sha256().equals(expectedSha256) || d.size() != expectedSize) {
        throw DwException.integrity("the copy of record " + id + " hashes to " + d.sha256() + " (" + d.size()
            + " bytes), the ledger says " + expectedSha256 + " (" + expectedSize + " bytes): it was not restored");
      }
      Path evidence = Files.exists(target) ? quarantine(target) : null;
      Files.createDirectories(target.getParent());
      Files.move(tmp.dataFile(id), target, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.fsyncDirectory(target.getParent());
      return evidence;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot restore record " + id + " to " + target + ": " + e.getMessage(), e);
    } finally {
      try {
        deleteTree(scratch);
      } catch (IOException e) {
        LOG_FALLBACK.accept(scratch + " could not be removed: " + e.getMessage());
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * Streams record {@code id}'s content to {@code out} while hashing it, after checking the data
   * file's header, and returns what was read. The caller compares the digest with the ledger's
   * before trusting what {@code out} received.
   *
   * @throws DwException INTEGRITY when the file is missing, its header is wrong or its length does
   *     not match (naming the record and the file)
   */
  public Digest read(String id, OutputStream out) {
    Path file = dataFile(id);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long contentStart = checkHeader(id, file, ch);
      long expected = ch.size() - contentStart;
      MessageDigest sha = MerkleTree.sha256();
      ByteBuffer buf = ByteBuffer.allocate(BUFFER);
      long pos = contentStart;
      long size = 0;
      while (true) {
        buf.clear();
        int n = ch.read(buf, pos);
        if (n <= 0) {
          break;
        }
        sha.update(buf.array(), 0, n);
        if (out != null) {
          out.write(buf.array(), 0, n);
        }
        pos += n;
        size += n;
      }
      if (size != expected) {
        throw DwException.integrity("record " + id + ": " + file + " changed while it was read");
      }
      return new Digest(HexFormat.of().formatHex(sha.digest()), size);
    } catch (NoSuchFileException e) {
      throw DwException.integrity("record " + id + ": its data file " + file + " is missing (deleted or moved)", e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read record " + id + " from " + file + ": " + e.getMessage(), e);
    }
  }

  /** Checks the data file header; returns where the content starts. */
  private static long checkHeader(String id, Path file, FileChannel ch) throws IOException {
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    int headerLen = 4 + 2 + 2 + idBytes.length + 8;
    ByteBuffer h = ByteBuffer.allocate(headerLen).order(ByteOrder.BIG_ENDIAN);
    if (!AtomicFiles.readFully(ch, h, 0)) {
      throw DwException.integrity("record " + id + ": " + file + " is too short for its header (" + ch.size() + " bytes)");
    }
    h.flip();
    int magic = h.getInt();
    int version = Short.toUnsignedInt(h.getShort());
    int idLen = Short.toUnsignedInt(h.getShort());
    if (magic != DATA_MAGIC) {
      throw DwException.integrity(String.format("record %s: %s: header mismatch: actual magic=0x%08x vs expected magic=0x%08x",
          id, file, magic, DATA_MAGIC));
    }
    if (version != VERSION) {
      throw DwException.integrity("record " + id + ": " + file + ": format version " + version + " is not supported");
    }
    if (idLen != idBytes.length || !java.util.Arrays.equals(h.array(), 8, 8 + idLen, idBytes, 0, idLen)) {
      throw DwException.integrity("record " + id + ": " + file + " holds another record (the file was replaced or moved)");
    }
    h.position(8 + idLen);
    long length = h.getLong();
    if (length != ch.size() - headerLen) {
      throw DwException.integrity("record " + id + ": " + file + " says " + length + " content bytes but has "
          + (ch.size() - headerLen) + " (truncated, extended or replaced)");
    }
    return headerLen;
  }

  /** Whether record {@code id}'s data file exists. */
  public boolean exists(String id) {
    return Files.exists(dataFile(id));
  }

  /** Writes record {@code info}'s metadata file, atomically but unforced (see the class comment). */
  public void writeMeta(RecordInfo info) {
    DurableFiles.replaceUnforced(metaFile(info.id()), FramedFile.frame(META_MAGIC, VERSION, Json.toBytes(info)));
  }

  /** Forces record {@code id}'s metadata file to disk. */
  public void forceMeta(String id) {
    DurableFiles.force(metaFile(id));
  }

  /**
   * Reads record {@code id}'s metadata file.
   *
   * @return null when it is missing
   * @throws DwException INTEGRITY when it is damaged
   */
  public RecordInfo readMeta(String id) {
    Path f = metaFile(id);
    if (!Files.exists(f)) {
      return null;
    }
    byte[] body = FramedFile.read(f, META_MAGIC, VERSION, VERSION).body();
    try {
      return Json.fromBytes(body, RecordInfo.class, f.toString());
    } catch (DwException e) {
      throw DwException.integrity(f + " is not record metadata: " + e.getMessage(), e);
    }
  }

  /** Deletes record {@code id}'s files (data and metadata) and forces the directory. */
  public void delete(String id) {
    Path data = dataFile(id);
    try {
      Files.deleteIfExists(metaFile(id));
      Files.deleteIfExists(data);
      AtomicFiles.fsyncDirectory(data.getParent());
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot delete record " + id + " from " + data + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves a data file that no ledger entry accounts for to {@code quarantine/}, keeping it for
   * inspection but out of the store.
   *
   * @return where it went
   */
  public Path quarantine(Path file) {
    try {
      Files.createDirectories(quarantine);
      Path to = quarantine.resolve(file.getFileName() + "." + System.currentTimeMillis());
      Files.move(file, to, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.fsyncDirectory(quarantine);
      AtomicFiles.fsyncDirectory(file.getParent());
      return to;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot move " + file + " to " + quarantine + ": " + e.getMessage(), e);
    }
  }

  /**
   * Lists every record directory's files: calls {@code dataFiles} with each record id that has a
   * data file and {@code metaFiles} with each that has a metadata file; when {@code cleanTemporary},
   * deletes leftover temporary files of interrupted writes too.
   *
   * @return how many temporary files were deleted
   */
  public int scanDirectories(boolean cleanTemporary, Consumer<String> dataFiles, Consumer<String> metaFiles) {
    int cleaned = 0;
    if (!Files.isDirectory(records)) {
      return 0;
    }
    try (var dirs = Files.list(records)) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        if (!Files.isDirectory(dir)) {
          continue;
        }
        if (cleanTemporary) {
          cleaned += AtomicFiles.cleanTemporaryFiles(dir);
        }
        try (var files = Files.list(dir)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            String name = f.getFileName().toString();
            if (name.endsWith(DATA_SUFFIX)) {
              dataFiles.accept(name.substring(0, name.length() - DATA_SUFFIX.length()));
            } else if (name.endsWith(META_SUFFIX)) {
              metaFiles.accept(name.substring(0, name.length() - META_SUFFIX.length()));
            }
          }
        }
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot list " + records + ": " + e.getMessage(), e);
    }
    return cleaned;
  }
}
