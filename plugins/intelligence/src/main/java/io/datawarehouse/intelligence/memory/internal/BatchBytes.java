package io.datawarehouse.intelligence.memory.internal;

import java.util.Arrays;

/**
 * Builds the serialized form of a RocksDB {@code WriteBatch} of column-family puts (empty values)
 * and deletes in Java, so that a batch of thousands of index entries crosses JNI once
 * ({@code new WriteBatch(byte[])}) instead of once per entry.
 *
 * <p>The layout is RocksDB's {@code WriteBatch} rep: a fixed64 sequence (0, assigned at write) and
 * a fixed32 count, little-endian, then per entry a tag ({@code 0x5} column-family value,
 * {@code 0x4} column-family deletion; {@code 0x1} and {@code 0x0} for the default family, whose id
 * is then omitted), the column family id as varint32, the key as varint32
 * length and bytes, and for a put the value likewise (here always empty).
 * {@code BatchBytesTest} checks every byte against what {@code WriteBatch.put}/{@code delete} build.
 *
 * <p>Not thread-safe; reusable after {@link #reset}.
 */
final class BatchBytes {
  private static final byte VALUE = 0x1;
  private static final byte DELETION = 0x0;
  private static final byte CF_VALUE = 0x5;
  private static final byte CF_DELETION = 0x4;
  private static final int HEADER = 12;

  private byte[] buf = new byte[64 << 10];
  private int pos = HEADER;
  private int count;

  void reset() {
    pos = HEADER;
    count = 0;
  }

  int count() {
    return count;
  }

  /** Adds a put of {@code key} with an empty value in column family {@code cfId}. */
  void putEmpty(int cfId, byte[] key) {
    entry(cfId == 0 ? VALUE : CF_VALUE, cfId, key);
    ensure(1);
    buf[pos++] = 0; // empty value: length 0
  }

  void delete(int cfId, byte[] key) {
    entry(cfId == 0 ? DELETION : CF_DELETION, cfId, key);
  }

  private void entry(byte tag, int cfId, byte[] key) {
    ensure(1 + 5 + 5 + key.length);
    buf[pos++] = tag;
    if (cfId != 0) {
      varint(cfId);
    }
    varint(key.length);
    System.arraycopy(key, 0, buf, pos, key.length);
    pos += key.length;
    count++;
  }

  /** The serialized batch (a copy of exactly its bytes). */
  byte[] toBytes() {
    for (int i = 0; i < 8; i++) {
      buf[i] = 0;
    }
    buf[8] = (byte) count;
    buf[9] = (byte) (count >>> 8);
    buf[10] = (byte) (count >>> 16);
    buf[11] = (byte) (count >>> 24);
    return Arrays.copyOf(buf, pos);
  }

  private void varint(int v) {
    while ((v & ~0x7F) != 0) {
      buf[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
  }

  private void ensure(int more) {
    if (pos + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
    }
  }
}
