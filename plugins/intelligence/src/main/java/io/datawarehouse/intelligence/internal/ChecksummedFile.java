package io.datawarehouse.intelligence.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Streamed files too large to frame in memory (index snapshots): a header (u32 magic, u16 format
 * version, u16 reserved), a body written and read through {@link DataOutputStream} /
 * {@link DataInputStream}, and a u32 CRC32C of every byte before it. Written with
 * {@link AtomicFiles} (temp, force, rename, force directory); read back fully and verified before
 * the caller's result is returned, and any mismatch is INTEGRITY naming the file.
 */
public final class ChecksummedFile {
  private ChecksummedFile() {}

  /** Writes the body. */
  @FunctionalInterface
  public interface BodyWriter {
    void write(DataOutputStream out) throws IOException;
  }

  /** Reads the body of a given format version. */
  @FunctionalInterface
  public interface BodyReader<T> {
    T read(DataInputStream in, int version) throws IOException;
  }

  /** Writes {@code file} atomically and durably. UNAVAILABLE when it cannot be written. */
  public static void write(Path file, int magic, int version, BodyWriter body) {
    AtomicFiles.write(file, raw -> {
      CheckedOutputStream checked = new CheckedOutputStream(raw, new CRC32C());
      DataOutputStream out = new DataOutputStream(checked);
      out.writeInt(magic);
      out.writeShort(version);
      out.writeShort(0);
      body.write(out);
      out.flush();
      int crc = (int) checked.getChecksum().getValue();
      raw.write(new byte[] {(byte) (crc >>> 24), (byte) (crc >>> 16), (byte) (crc >>> 8), (byte) crc});
      raw.flush(); // AtomicFiles forces the channel after this returns; nothing may stay buffered
    });
  }

  /**
   * Reads and verifies {@code file}.
   *
   * @param what names the kind of file in messages ("HNSW index")
   * @throws DwException NOT_FOUND when missing; INTEGRITY naming the file on a wrong magic, an
   *     unsupported version, truncation, trailing bytes or a checksum mismatch (also when the body
   *     reader throws INTEGRITY itself); UNAVAILABLE when it cannot be read
   */
  public static <T> T read(Path file, String what, int magic, int minVersion, int maxVersion, BodyReader<T> body) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      CheckedInputStream checked = new CheckedInputStream(raw, new CRC32C());
      DataInputStream in = new DataInputStream(checked);
      int actual = in.readInt();
      if (actual != magic) {
        throw DwException.integrity(String.format("%s: header mismatch: actual magic=0x%08x vs expected magic=0x%08x"
            + " (not a %s file)", file, actual, magic, what));
      }
      int version = in.readUnsignedShort();
      in.readUnsignedShort();
      if (version < minVersion || version > maxVersion) {
        throw DwException.integrity(file + ": " + what + " format version " + version
            + " is not supported (this build reads " + minVersion + ".." + maxVersion + ")");
      }
      T result = body.read(in, version);
      int computed = (int) checked.getChecksum().getValue();
      int stored = in.readInt();
      if (computed != stored) {
        throw DwException.integrity(String.format("%s: checksum mismatch: actual CRC32C=0x%08x vs stored 0x%08x"
            + " (the %s file is corrupt)", file, computed, stored, what));
      }
      if (in.read() != -1) {
        throw DwException.integrity(file + ": unexpected bytes after the checksum of the " + what + " file");
      }
      return result;
    } catch (EOFException e) {
      throw DwException.integrity(file + ": truncated " + what + " file", e);
    } catch (NoSuchFileException e) {
      throw DwException.notFound("no " + what + " file at " + file);
    } catch (IOException e) {
      throw DwException.unavailable("cannot read " + what + " file " + file + ": " + e.getMessage(), e);
    } catch (DwException e) {
      throw e;
    } catch (RuntimeException e) {
      // a corrupt body that passed its own checks but made the reader fail (a huge count, ...)
      throw DwException.integrity(file + ": corrupt " + what + " file: " + e, e);
    }
  }

  /** INTEGRITY naming {@code file} when {@code ok} is false. */
  public static void check(boolean ok, Path file, String problem) {
    if (!ok) {
      throw DwException.integrity(file + ": " + problem);
    }
  }
}
