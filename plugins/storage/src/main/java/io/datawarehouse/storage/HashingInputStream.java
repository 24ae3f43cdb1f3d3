package io.datawarehouse.storage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Counts and SHA-256-hashes the bytes read through it: how every store computes the digest of a
 * put on the way, without a second pass. Not thread-safe.
 */
public final class HashingInputStream extends FilterInputStream {
  private final StreamDigest sha = new StreamDigest();

  public HashingInputStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      sha.update((byte) b);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      sha.update(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    return skipByReading(this, n);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** Bytes read so far. */
  public long count() {
    return sha.count();
  }

  /** Lower-case hex SHA-256 of the bytes read; call once, at the end. */
  public String sha256Hex() {
    return PutOptions.hex(sha.digest());
  }

  /** Skips by reading through {@code in}, so that skipped bytes are hashed or verified too. */
  static long skipByReading(InputStream in, long n) throws IOException {
    byte[] buf = new byte[8192];
    long left = n;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return Math.max(0, n - left);
  }

  /** A prototype cloned by {@link #sha256()}: a clone skips the provider lookup of getInstance. */
  private static final MessageDigest PROTOTYPE = newSha256();

  /** A new SHA-256 digest. */
  public static MessageDigest sha256() {
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return newSha256();
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
