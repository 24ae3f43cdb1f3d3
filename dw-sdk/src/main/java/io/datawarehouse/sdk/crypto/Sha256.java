package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * SHA-256 (FIPS 180-4) for content addresses and verification: one-shot helpers for bytes,
 * streams and files, and an incremental hasher.
 *
 * <pre>{@code
 * String id = Sha256.hashHex(bytes);                  // 64 lower-case hex digits
 * Sha256 h = Sha256.create();
 * h.update(part1).update(part2);
 * byte[] digest = h.digest();                          // 32 bytes; h is reset and reusable
 * try (InputStream in = ...) { in.transferTo(h.asOutputStream()); }
 * }</pre>
 *
 * <p>A thin layer over the JDK's {@link MessageDigest} (SHA-NI accelerated where the CPU has
 * it); dw-bench's {@code Sha256Benchmark} measures it beside a bare {@code MessageDigest}.
 * The static methods are thread-safe; an instance is for one thread at a time.
 */
public final class Sha256 {
  /** Bytes of a digest. */
  public static final int SIZE = 32;

  private static final HexFormat HEX = HexFormat.of();
  private static final int BUFFER = 64 * 1024;

  private final MessageDigest md;

  private Sha256() {
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw DwException.internal("this JVM offers no SHA-256", e);
    }
  }

  /** A new incremental hasher. */
  public static Sha256 create() {
    return new Sha256();
  }

  /** Adds {@code data}. */
  public Sha256 update(byte[] data) {
    md.update(data);
    return this;
  }

  /** Adds {@code data[off .. off + len)}. */
  public Sha256 update(byte[] data, int off, int len) {
    md.update(data, off, len);
    return this;
  }

  /** Adds the remaining bytes of {@code data} (its position moves to its limit). */
  public Sha256 update(ByteBuffer data) {
    md.update(data);
    return this;
  }

  /** The digest of everything added since creation or the last digest; resets this hasher. */
  public byte[] digest() {
    return md.digest();
  }

  /** {@link #digest()} as 64 lower-case hexadecimal digits. */
  public String hexDigest() {
    return HEX.formatHex(md.digest());
  }

  /** A view that adds everything written to it to this hasher; {@code close()} does nothing. */
  public OutputStream asOutputStream() {
    return new OutputStream() {
      @Override
      public void write(int b) {
        md.update((byte) b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        md.update(b, off, len);
      }
    };
  }

  /** The digest of {@code data}. */
  public static byte[] hash(byte[] data) {
    return new Sha256().update(data).digest();
  }

  /** The digest of {@code data} as 64 lower-case hexadecimal digits. */
  public static String hashHex(byte[] data) {
    return toHex(hash(data));
  }

  /** The digest of everything {@code in} yields until its end; {@code in} is not closed. */
  public static byte[] hash(InputStream in) throws IOException {
    Sha256 h = new Sha256();
    byte[] buf = new byte[BUFFER];
    for (int n; (n = in.read(buf)) >= 0; ) {
      h.update(buf, 0, n);
    }
    return h.digest();
  }

  /**
   * The digest of a file's content.
   *
   * @throws DwException NOT_FOUND when it does not exist, UNAVAILABLE when it cannot be read
   */
  public static byte[] hash(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Sha256 h = new Sha256();
      ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
      while (ch.read(buf) >= 0) {
        buf.flip();
        h.update(buf);
        buf.clear();
      }
      return h.digest();
    } catch (NoSuchFileException e) {
      throw DwException.of(ErrorCode.NOT_FOUND, "no such file: " + file, e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read " + file + " to hash it: " + e.getMessage(), e);
    }
  }

  /** Lower-case hexadecimal digits of {@code bytes}. */
  public static String toHex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  /**
   * The bytes of a hexadecimal string (either case).
   *
   * @throws DwException INVALID_ARGUMENT when it is not an even number of hexadecimal digits
   */
  public static byte[] fromHex(String hex) {
    try {
      return HEX.parseHex(hex);
    } catch (IllegalArgumentException e) {
      throw DwException.invalidArgument("not a hexadecimal byte string: '" + hex + "'");
    }
  }
}
