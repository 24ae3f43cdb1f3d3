package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.MemoryTier;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * Keys of the RocksDB column families. Scopes and tags contain no control characters (the record
 * validates that), so 0x00 separates them from what follows; the id always comes last, so a prefix
 * scan yields ids in byte order, which is {@link io.datawarehouse.intelligence.memory.MemoryQuery#ID_ORDER}.
 *
 * <pre>
 *   records     id
 *   idx_scope   scope 0x00 tier id
 *   idx_tier    tier id
 *   idx_tag     tag 0x00 id
 *   idx_expiry  expiry-millis (8 bytes, big-endian, sign bit flipped) id
 * </pre>
 */
public final class Keys {
  private Keys() {}

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] scopeTierPrefix(String scope, MemoryTier tier) {
    byte[] s = utf8(scope);
    byte[] k = Arrays.copyOf(s, s.length + 2);
    k[s.length + 1] = tier.code();
    return k;
  }

  public static byte[] scopeKey(String scope, MemoryTier tier, byte[] id) {
    return concat(scopeTierPrefix(scope, tier), id);
  }

  public static byte[] tierPrefix(MemoryTier tier) {
    return new byte[] {tier.code()};
  }

  public static byte[] tierKey(MemoryTier tier, byte[] id) {
    return concat(tierPrefix(tier), id);
  }

  public static byte[] tagPrefix(String tag) {
    byte[] t = utf8(tag);
    return Arrays.copyOf(t, t.length + 1);
  }

  public static byte[] tagKey(String tag, byte[] id) {
    return concat(tagPrefix(tag), id);
  }

  /** The 8-byte order-preserving form of an expiry (milliseconds, floor). */
  public static byte[] expiryPrefix(Instant at) {
    long v = at.toEpochMilli() ^ Long.MIN_VALUE;
    byte[] b = new byte[8];
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return b;
  }

  public static byte[] expiryKey(Instant at, byte[] id) {
    return concat(expiryPrefix(at), id);
  }

  public static byte[] concat(byte[] a, byte[] b) {
    byte[] k = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, k, a.length, b.length);
    return k;
  }

  public static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** The smallest key greater than every key starting with {@code prefix}, or null when there is none. */
  public static byte[] prefixEnd(byte[] prefix) {
    byte[] e = prefix.clone();
    for (int i = e.length - 1; i >= 0; i--) {
      if (e[i] != (byte) 0xff) {
        e[i]++;
        return Arrays.copyOf(e, i + 1);
      }
    }
    return null;
  }
}
