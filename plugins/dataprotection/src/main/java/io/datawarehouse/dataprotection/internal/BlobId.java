package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.crypto.Sha256;
import java.util.Arrays;

/**
 * The id of a chunk: HMAC-SHA256 of its plaintext under the repository's id key (32 bytes), so
 * an id says nothing about the content to someone without the key. Immutable.
 */
public final class BlobId {
  /** Bytes of an id. */
  public static final int SIZE = 32;
  private final byte[] bytes;
  private final int hash;

  private BlobId(byte[] bytes) {
    this.bytes = bytes;
    this.hash = (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
  }

  /** An id from 32 bytes (copied). */
  public static BlobId of(byte[] bytes) {
    if (bytes.length != SIZE) {
      throw DwException.integrity("a blob id has " + SIZE + " bytes, found " + bytes.length);
    }
    return new BlobId(bytes.clone());
  }

  /** An id from 32 bytes at {@code off}. */
  public static BlobId of(byte[] bytes, int off) {
    return new BlobId(Arrays.copyOfRange(bytes, off, off + SIZE));
  }

  /** An id from its 64 hex digits. */
  public static BlobId parse(String hex) {
    if (hex == null || hex.length() != 2 * SIZE) {
      throw DwException.integrity("a blob id is 64 hex digits, found '" + hex + "'");
    }
    try {
      return new BlobId(Sha256.fromHex(hex));
    } catch (RuntimeException e) {
      throw DwException.integrity("a blob id is 64 hex digits, found '" + hex + "'", e);
    }
  }

  /** A copy of the bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Writes the id into {@code out} at {@code off}. */
  public void copyTo(byte[] out, int off) {
    System.arraycopy(bytes, 0, out, off, SIZE);
  }

  /** Whether this id is {@code candidate}'s bytes, in constant time. */
  public boolean matches(byte[] candidate) {
    return java.security.MessageDigest.isEqual(bytes, candidate);
  }

  /** 64 lower-case hex digits. */
  public String hex() {
    return Sha256.toHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlobId b && hash == b.hash && Arrays.equals(bytes, b.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return hex().substring(0, 16);
  }
}
