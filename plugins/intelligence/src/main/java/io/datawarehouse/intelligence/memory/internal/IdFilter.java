package io.datawarehouse.intelligence.memory.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A Bloom filter of every record id a store has held, so that a store of a new id can skip reading
 * the previous version (which does not exist): "absent" is certain, "present" may be wrong (about
 * 1 % of new ids, and ids since deleted), and then the read happens as before.
 *
 * <p>Blocked: an id's bits all fall in one 64-byte block, one cache line per part probed. It grows
 * by adding parts of twice the capacity (an id is looked up in every part); past {@link #MAX_BITS}
 * it stops adding and answers "maybe" for everything, which is always correct.
 *
 * <h2>Saved form, version 1</h2>
 * <pre>
 *   byte  version (1)
 *   byte  1 when saturated
 *   int   part count; per part: int capacity, int count, int word count, long words...
 *   int   CRC32C of every byte before it
 * </pre>
 * All little-endian. A copy that fails its checks is not used.
 *
 * <p>{@link #add} is synchronized; {@link #mightContain} is not: the owner orders writes of one id
 * with a lock, which also makes that id's bits visible to the next writer of it.
 */
final class IdFilter {
  static final int VERSION = 1;
  static final int INITIAL_CAPACITY = 1 << 20;
  private static final int BITS_PER_KEY = 10;
  private static final int PROBES = 6;
  /** 64 MiB of bits at most (about 50 million ids); then every id is "maybe present". */
  static final long MAX_BITS = 1L << 29;

  private static final class Part {
    final long[] words;
    final int capacity;
    int count;

    Part(int capacity) {
      this.capacity = capacity;
      long bits = (long) capacity * BITS_PER_KEY;
      this.words = new long[(int) (((bits + 511) / 512) * 8)];
    }

    Part(int capacity, int count, long[] words) {
      this.capacity = capacity;
      this.count = count;
      this.words = words;
    }

    boolean mightContain(long h) {
      int base = block(h);
      int bits = (int) (h >>> 32);
      for (int i = 0; i < PROBES; i++) {
        int bit = (bits + i * (int) h) & 511;
        if ((words[base + (bit >>> 6)] & (1L << bit)) == 0) {
          return false;
        }
      }
      return true;
    }

    void add(long h) {
      int base = block(h);
      int bits = (int) (h >>> 32);
      for (int i = 0; i < PROBES; i++) {
        int bit = (bits + i * (int) h) & 511;
        words[base + (bit >>> 6)] |= 1L << bit;
      }
      count++;
    }

    private int block(long h) {
      int blocks = words.length >>> 3;
      return (int) Math.floorMod(Long.rotateLeft(h, 17) * 0x9E3779B97F4A7C15L >>> 1, (long) blocks) << 3;
    }
  }

  private final long maxBits;
  private volatile Part[] parts;
  private volatile boolean saturated;

  IdFilter() {
    this(INITIAL_CAPACITY, MAX_BITS);
  }

  /** A filter whose first part holds {@code initialCapacity} ids and which saturates past {@code maxBits} (tests use small ones). */
  IdFilter(int initialCapacity, long maxBits) {
    this.maxBits = maxBits;
    this.parts = new Part[] {new Part(initialCapacity)};
  }

  private IdFilter(Part[] parts, boolean saturated) {
    this.maxBits = MAX_BITS;
    this.parts = parts;
    this.saturated = saturated;
  }

  /** False only when {@code id} was never {@linkplain #add added}. */
  boolean mightContain(byte[] id) {
    if (saturated) {
      return true;
    }
    long h = hash(id);
    Part[] ps = parts;
    for (int i = ps.length - 1; i >= 0; i--) {
      if (ps[i].mightContain(h)) {
        return true;
      }
    }
    return false;
  }

  synchronized void add(byte[] id) {
    if (saturated) {
      return;
    }
    Part[] ps = parts;
    Part last = ps[ps.length - 1];
    if (last.count >= last.capacity) {
      long bits = 0;
      for (Part p : ps) {
        bits += 64L * p.words.length;
      }
      long next = 2L * last.capacity;
      if (bits + next * BITS_PER_KEY > maxBits || next > Integer.MAX_VALUE / BITS_PER_KEY) {
        saturated = true;
        return;
      }
      last = new Part((int) next);
      Part[] grown = Arrays.copyOf(ps, ps.length + 1);
      grown[ps.length] = last;
      parts = grown;
    }
    last.add(hash(id));
  }

  /** Whether the filter stopped adding (everything is then "maybe present"). */
  boolean saturated() {
    return saturated;
  }

  synchronized byte[] save() {
    Part[] ps = parts;
    int size = 1 + 1 + 4 + 4;
    for (Part p : ps) {
      size += 12 + 8 * p.words.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) VERSION).put((byte) (saturated ? 1 : 0)).putInt(ps.length);
    for (Part p : ps) {
      b.putInt(p.capacity).putInt(p.count).putInt(p.words.length);
      for (long w : p.words) {
        b.putLong(w);
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** The filter a {@link #save} wrote, or null when {@code saved} is absent or fails a check. */
  static IdFilter restore(byte[] saved) {
    if (saved == null || saved.length < 10) {
      return null;
    }
    CRC32C crc = new CRC32C();
    crc.update(saved, 0, saved.length - 4);
    ByteBuffer b = ByteBuffer.wrap(saved).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(saved.length - 4) != (int) crc.getValue() || b.get() != VERSION) {
      return null;
    }
    boolean saturated = b.get() == 1;
    int n = b.getInt();
    if (n < 1 || n > 64) {
      return null;
    }
    Part[] ps = new Part[n];
    for (int i = 0; i < n; i++) {
      if (b.remaining() < 16) {
        return null;
      }
      int capacity = b.getInt();
      int count = b.getInt();
      int words = b.getInt();
      if (capacity < 1 || count < 0 || words < 8 || words % 8 != 0 || (long) words * 8 > b.remaining() - 4) {
        return null;
      }
      long[] w = new long[words];
      for (int j = 0; j < words; j++) {
        w[j] = b.getLong();
      }
      ps[i] = new Part(capacity, count, w);
    }
    return b.remaining() == 4 ? new IdFilter(ps, saturated) : null;
  }

  /** A 64-bit hash of the id bytes (FNV-1a, then a murmur3 finaliser to spread the bits). */
  static long hash(byte[] id) {
    long h = 0xcbf29ce484222325L;
    for (byte x : id) {
      h = (h ^ (x & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
