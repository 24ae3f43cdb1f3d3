package io.datawarehouse.sdk.io;

import io.datawarehouse.sdk.DwException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A small self-checking file: header (magic, format version), body, CRC32C footer. For metadata
 * that is read whole (superblocks, manifests, checkpoints, key files); written with {@link
 * AtomicFiles} so it is also crash-safe.
 *
 * <pre>
 *   offset 0   u32 magic            identifies the kind of file
 *   offset 4   u16 version          format version of the body
 *   offset 6   u16 reserved (0)
 *   offset 8   u64 body length
 *   offset 16  body
 *   end - 4    u32 CRC32C of every byte before it
 * </pre>
 *
 * All integers big-endian. Reading checks everything and names the file in any error: corrupt or
 * unknown data is an exception, never a best-effort read.
 */
public final class FramedFile {
  /** Bytes of header plus footer. */
  public static final int OVERHEAD = 20;

  private FramedFile() {}

  /** A framed body. */
  public record Frame(int version, byte[] body) {}

  /** {@code body} framed with {@code magic} and {@code version}. */
  public static byte[] frame(int magic, int version, byte[] body) {
    if (version < 0 || version > 0xFFFF) {
      throw new IllegalArgumentException("version must fit in 16 bits: " + version);
    }
    ByteBuffer b = ByteBuffer.allocate(OVERHEAD + body.length).order(ByteOrder.BIG_ENDIAN);
    b.putInt(magic).putShort((short) version).putShort((short) 0).putLong(body.length).put(body);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * Checks a framed file's bytes and returns its body.
   *
   * @param source names the data in errors (usually the file path)
   * @param minVersion lowest version this reader understands
   * @param maxVersion highest version this reader understands
   * @throws DwException INTEGRITY on a wrong magic, unknown version, bad length or checksum
   */
  public static Frame unframe(String source, byte[] data, int magic, int minVersion, int maxVersion) {
    if (data.length < OVERHEAD) {
      throw DwException.integrity(source + ": file too short (" + data.length + " bytes, a header and footer alone are " + OVERHEAD + ")");
    }
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
    int actualMagic = b.getInt();
    if (actualMagic != magic) {
      throw DwException.integrity(String.format("%s: header mismatch: actual magic=0x%08x vs expected magic=0x%08x", source, actualMagic, magic));
    }
    int version = Short.toUnsignedInt(b.getShort());
    int reserved = Short.toUnsignedInt(b.getShort());
    long len = b.getLong();
    if (len != data.length - OVERHEAD) {
      throw DwException.integrity(source + ": body length " + len + " does not match the file size " + data.length + " (truncated or extended)");
    }
    CRC32C crc = new CRC32C();
    crc.update(data, 0, data.length - 4);
    int expected = ByteBuffer.wrap(data, data.length - 4, 4).order(ByteOrder.BIG_ENDIAN).getInt();
    if ((int) crc.getValue() != expected) {
      throw DwException.integrity(String.format("%s: checksum mismatch: actual CRC32C=0x%08x vs stored 0x%08x (the file is corrupt)", source, (int) crc.getValue(), expected));
    }
    if (reserved != 0) {
      throw DwException.integrity(source + ": reserved header field is " + reserved + ", expected 0 (written by an unknown writer, or altered)");
    }
    if (version < minVersion || version > maxVersion) {
      throw DwException.integrity(source + ": format version " + version + " is not supported (this build reads " + minVersion + ".." + maxVersion + ")");
    }
    byte[] body = new byte[(int) len];
    System.arraycopy(data, 16, body, 0, body.length);
    return new Frame(version, body);
  }

  /** Frames {@code body} and writes it to {@code file} atomically and durably. */
  public static void write(Path file, int magic, int version, byte[] body) {
    AtomicFiles.write(file, frame(magic, version, body));
  }

  /** Reads and checks a framed file. */
  public static Frame read(Path file, int magic, int minVersion, int maxVersion) {
    return unframe(file.toString(), AtomicFiles.readAll(file), magic, minVersion, maxVersion);
  }

  /** A magic number from four ASCII characters ("DWSB"). */
  public static int magic(String fourChars) {
    if (fourChars.length() != 4) {
      throw new IllegalArgumentException("a magic is four characters: " + fourChars);
    }
    return (fourChars.charAt(0) << 24) | (fourChars.charAt(1) << 16) | (fourChars.charAt(2) << 8) | fourChars.charAt(3);
  }
}
