package io.datawarehouse.storage;

import java.io.InputStream;
import java.security.MessageDigest;
import java.util.SplittableRandom;

/**
 * Deterministic test content: a seeded stream of any length that never sits in memory whole, and
 * its SHA-256 computed without storing it.
 */
public final class TestData {
  private TestData() {}

  /** {@code size} pseudo-random bytes from {@code seed}. */
  public static byte[] bytes(long seed, int size) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** A stream of {@code size} pseudo-random bytes from {@code seed}, generated as it is read. */
  public static InputStream stream(long seed, long size) {
    return new InputStream() {
      private final SplittableRandom random = new SplittableRandom(seed);
      private long left = size;
      private final byte[] block = new byte[64 * 1024];
      private int pos = block.length;
      private int limit = block.length;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        if (pos >= limit) {
          random.nextBytes(block);
          pos = 0;
          limit = block.length;
        }
        int n = (int) Math.min(Math.min(len, limit - pos), left);
        System.arraycopy(block, pos, b, off, n);
        pos += n;
        left -= n;
        return n;
      }
    };
  }

  /** SHA-256 hex of {@link #stream(long, long)}. */
  public static String sha256(long seed, long size) {
    return sha256(stream(seed, size));
  }

  /** SHA-256 hex of everything in {@code in}. */
  public static String sha256(InputStream in) {
    try (in) {
      MessageDigest md = HashingInputStream.sha256();
      byte[] buf = new byte[256 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return PutOptions.hex(md.digest());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
