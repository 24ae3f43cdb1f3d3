package io.datawarehouse.intelligence.embedding.internal;

import java.nio.charset.StandardCharsets;

/**
 * MurmurHash3 x86_32 (Austin Appleby's public-domain algorithm) over the UTF-8 bytes of a string:
 * the stable hash behind feature hashing. It is fixed by its definition, so a vector built on one
 * machine equals the one built on another.
 */
public final class Murmur3 {
  private Murmur3() {}

  /** The 32-bit hash of {@code s}'s UTF-8 bytes with {@code seed}. */
  public static int hash(CharSequence s, int seed) {
    byte[] data = s.toString().getBytes(StandardCharsets.UTF_8);
    return hash(data, 0, data.length, seed);
  }

  /** The 32-bit hash of {@code len} bytes at {@code off}. */
  @SuppressWarnings("fallthrough")
  public static int hash(byte[] data, int off, int len, int seed) {
    final int c1 = 0xcc9e2d51;
    final int c2 = 0x1b873593;
    int h1 = seed;
    int roundedEnd = off + (len & ~3);
    for (int i = off; i < roundedEnd; i += 4) {
      int k1 = (data[i] & 0xff) | ((data[i + 1] & 0xff) << 8) | ((data[i + 2] & 0xff) << 16) | (data[i + 3] << 24);
      k1 *= c1;
      k1 = Integer.rotateLeft(k1, 15);
      k1 *= c2;
      h1 ^= k1;
      h1 = Integer.rotateLeft(h1, 13);
      h1 = h1 * 5 + 0xe6546b64;
    }
    int k1 = 0;
    switch (len & 3) {
      case 3:
        k1 = (data[roundedEnd + 2] & 0xff) << 16;
        // fall through
      case 2:
        k1 |= (data[roundedEnd + 1] & 0xff) << 8;
        // fall through
      case 1:
        k1 |= data[roundedEnd] & 0xff;
        k1 *= c1;
        k1 = Integer.rotateLeft(k1, 15);
        k1 *= c2;
        h1 ^= k1;
        break;
      default:
        break;
    }
    h1 ^= len;
    h1 ^= h1 >>> 16;
    h1 *= 0x85ebca6b;
    h1 ^= h1 >>> 13;
    h1 *= 0xc2b2ae35;
    h1 ^= h1 >>> 16;
    return h1;
  }
}
