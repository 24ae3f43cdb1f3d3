package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.zip.CRC32C;

/**
 * The record and byte counts per tier of the {@code rocksdb} backend, kept in memory.
 *
 * <p>A write adds its deltas after its batch is written, under the record's stripe lock, so the
 * counts equal the sum over the records once no write is in flight. They are not written per put
 * (that was four merge operands per write, most of a put's cost); instead the store saves them
 * once, at a clean close, and deletes the saved copy (durably) when it opens. An open that finds no
 * saved copy therefore follows a crash, or is of a checkpoint, and recounts from the records: the
 * counts after a crash are exact, never an estimate.
 *
 * <h2>Saved form, version 1</h2>
 * <pre>
 *   byte  version (1)
 *   long  records, long bytes of each tier in code order (working, short-term, long-term, archive)
 *   int   CRC32C of every byte before it
 * </pre>
 * All little-endian. A copy that fails its checks is ignored and the records recounted.
 *
 * <p>Thread-safe.
 */
final class Counters {
  static final int VERSION = 1;
  private static final int TIERS = MemoryTier.values().length;
  private static final int SAVED_BYTES = 1 + 16 * TIERS + 4;

  /** Index 2t: records of the tier with ordinal t; 2t+1: its bytes. */
  private final AtomicLongArray values = new AtomicLongArray(2 * TIERS);

  /** The changes of one write, applied at once after the write succeeded. Not thread-safe. */
  static final class Delta {
    final long[] values = new long[2 * TIERS];

    void add(MemoryRecord r, int sign) {
      int t = r.tier().ordinal();
      values[2 * t] += sign;
      values[2 * t + 1] += sign * r.sizeBytes();
    }
  }

  void apply(Delta d) {
    for (int i = 0; i < d.values.length; i++) {
      if (d.values[i] != 0) {
        values.addAndGet(i, d.values[i]);
      }
    }
  }

  void reset() {
    for (int i = 0; i < values.length(); i++) {
      values.set(i, 0);
    }
  }

  /** A copy: records and bytes per tier ordinal, interleaved as in {@link #values}. */
  long[] snapshot() {
    long[] c = new long[values.length()];
    for (int i = 0; i < c.length; i++) {
      c[i] = values.get(i);
    }
    return c;
  }

  long records() {
    long n = 0;
    for (int t = 0; t < TIERS; t++) {
      n += values.get(2 * t);
    }
    return n;
  }

  byte[] save() {
    ByteBuffer b = ByteBuffer.allocate(SAVED_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) VERSION);
    for (MemoryTier t : MemoryTier.values()) {
      // saved in code order so that the form does not depend on the enum's declaration order
      b.putLong(values.get(2 * t.ordinal())).putLong(values.get(2 * t.ordinal() + 1));
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** Loads a saved copy; false (and nothing changed) when it is not a valid one of this version. */
  boolean restore(byte[] saved) {
    if (saved.length != SAVED_BYTES || saved[0] != VERSION) {
      return false;
    }
    CRC32C crc = new CRC32C();
    crc.update(saved, 0, saved.length - 4);
    ByteBuffer b = ByteBuffer.wrap(saved).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(saved.length - 4) != (int) crc.getValue()) {
      return false;
    }
    b.position(1);
    long[] c = new long[2 * TIERS];
    for (int code = 0; code < TIERS; code++) {
      int t = MemoryTier.fromCode(code).ordinal();
      c[2 * t] = b.getLong();
      c[2 * t + 1] = b.getLong();
      if (c[2 * t] < 0 || c[2 * t + 1] < 0) {
        return false;
      }
    }
    for (int i = 0; i < c.length; i++) {
      values.set(i, c[i]);
    }
    return true;
  }
}
