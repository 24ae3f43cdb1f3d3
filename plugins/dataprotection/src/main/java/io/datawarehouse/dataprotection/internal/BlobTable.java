package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.sdk.DwException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * A hash table from blob id to location kept in a file, not in the Java heap: the blob index of a
 * repository costs a fixed few kilobytes of heap however many blobs it holds (the file lives in the
 * page cache, which the kernel can reclaim; the process never maps it).
 *
 * <p>Open addressing with linear probing over {@value #SLOT}-byte slots, at most half full; the
 * table doubles (into a new file, read back in 1 MiB blocks) when an insert would pass that. A
 * lookup is one positional read per probe (1.5 on average for a hit at half load). The file is
 * unlinked as soon as it is open, so nothing is left behind, even by a crash.
 *
 * <h2>Slot</h2>
 * All big-endian.
 * <pre>
 *   byte   state: 0 empty, 1 used
 *   byte   flags: 1 compressed
 *   int    pack number (position in the caller's pack list)
 *   long   offset in the pack
 *   int    stored length
 *   int    raw length
 *   32     blob id
 *   6      zero
 *   int    CRC32C of the 60 bytes before it
 * </pre>
 * Every slot read is checked against its CRC (INTERNAL on a mismatch: the file is this process's
 * own, so damage means a failing disk or memory).
 *
 * <p>Lookups ({@link #get}) may run concurrently with each other (positional reads, no shared
 * buffer); anything else needs exclusive access, which {@link RepoIndex}'s lock gives.
 */
final class BlobTable implements AutoCloseable {
  static final int SLOT = 64;
  private static final int INITIAL_SLOTS = 4096;
  private static final int BLOCK = 1 << 20;

  /** A slot's decoded fields. */
  record Entry(byte[] id, int pack, long offset, int storedLength, int rawLength, boolean compressed) {}

  private final Path dir;
  private FileChannel ch;
  private long capacity;
  private long size;

  /** A new empty table in a file under {@code dir} (unlinked at once). */
  BlobTable(Path dir) {
    this.dir = dir;
    this.capacity = INITIAL_SLOTS;
    this.ch = newFile(dir, capacity);
  }

  long size() {
    return size;
  }

  /** Bytes of the backing file (capacity x slot size). */
  long fileBytes() {
    return capacity * SLOT;
  }

  /** The entry for {@code id}, or null. */
  Entry get(byte[] id) {
    long mask = capacity - 1;
    for (long i = home(id) & mask, probes = 0; probes < capacity; i = (i + 1) & mask, probes++) {
      ByteBuffer s = readSlot(ch, i);
      if (s.get(0) == 0) {
        return null;
      }
      if (idEquals(s, id)) {
        return decode(s);
      }
    }
    return null;
  }

  /** Adds {@code e} unless its id is present; returns whether it was added. */
  boolean putIfAbsent(Entry e) {
    if (2 * (size + 1) > capacity) {
      grow();
    }
    if (insert(ch, capacity, e)) {
      size++;
      return true;
    }
    return false;
  }

  /** Calls {@code each} with every entry, in slot order. */
  void forEach(Consumer<Entry> each) {
    ByteBuffer block = ByteBuffer.allocate(BLOCK).order(ByteOrder.BIG_ENDIAN);
    long total = capacity * SLOT;
    for (long at = 0; at < total; at += BLOCK) {
      block.clear().limit((int) Math.min(BLOCK, total - at));
      readFully(ch, block, at);
      for (int p = 0; p < block.limit(); p += SLOT) {
        if (block.get(p) != 0) {
          ByteBuffer s = block.slice(p, SLOT).order(ByteOrder.BIG_ENDIAN);
          check(s, at + p);
          each.accept(decode(s));
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      ch.close();
    } catch (IOException e) {
      // the file is already unlinked: closing releases its space whatever happens
    }
  }

  private void grow() {
    long bigger = capacity * 2;
    FileChannel next = newFile(dir, bigger);
    try {
      forEach(e -> insert(next, bigger, e));
    } catch (RuntimeException e) {
      try {
        next.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    close();
    ch = next;
    capacity = bigger;
  }

  private boolean insert(FileChannel c, long cap, Entry e) {
    long mask = cap - 1;
    for (long i = home(e.id()) & mask; ; i = (i + 1) & mask) {
      ByteBuffer s = readSlot(c, i);
      if (s.get(0) == 0) {
        writeSlot(c, i, e);
        return true;
      }
      if (idEquals(s, e.id())) {
        return false;
      }
    }
  }

  /** The id's first 8 bytes: ids are keyed MACs, uniformly distributed already. */
  private static long home(byte[] id) {
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (id[i] & 0xff);
    }
    return h;
  }

  private ByteBuffer readSlot(FileChannel c, long i) {
    ByteBuffer slot = ByteBuffer.allocate(SLOT).order(ByteOrder.BIG_ENDIAN);
    readFully(c, slot, i * SLOT);
    check(slot, i * SLOT);
    return slot;
  }

  private void check(ByteBuffer s, long at) {
    if (s.get(0) == 0) {
      return; // an empty slot is all zero, CRC included
    }
    CRC32C crc = new CRC32C();
    crc.update(s.duplicate().position(0).limit(SLOT - 4));
    if ((int) crc.getValue() != s.getInt(SLOT - 4)) {
      throw DwException.internal("the blob index's temporary table is damaged at byte " + at
          + " (CRC mismatch): the disk or memory under " + dir + " is failing", null);
    }
  }

  private void writeSlot(FileChannel c, long i, Entry e) {
    ByteBuffer s = ByteBuffer.allocate(SLOT).order(ByteOrder.BIG_ENDIAN);
    s.put((byte) 1).put((byte) (e.compressed() ? 1 : 0)).putInt(e.pack()).putLong(e.offset()).putInt(e.storedLength())
        .putInt(e.rawLength()).put(e.id());
    CRC32C crc = new CRC32C();
    crc.update(s.array(), 0, SLOT - 4);
    s.putInt(SLOT - 4, (int) crc.getValue());
    s.clear();
    try {
      while (s.hasRemaining()) {
        c.write(s, i * SLOT + s.position());
      }
    } catch (IOException x) {
      throw DwException.unavailable("cannot write the blob index's temporary table under " + dir + ": " + x.getMessage(), x);
    }
  }

  private static boolean idEquals(ByteBuffer s, byte[] id) {
    for (int k = 0; k < id.length; k++) {
      if (s.get(22 + k) != id[k]) {
        return false;
      }
    }
    return true;
  }

  private static Entry decode(ByteBuffer s) {
    byte[] id = new byte[BlobId.SIZE];
    s.get(22, id);
    return new Entry(id, s.getInt(2), s.getLong(6), s.getInt(14), s.getInt(18), (s.get(1) & 1) != 0);
  }

  private void readFully(FileChannel c, ByteBuffer b, long at) {
    try {
      long pos = at;
      while (b.hasRemaining()) {
        int n = c.read(b, pos);
        if (n < 0) {
          throw DwException.internal("the blob index's temporary table under " + dir + " ends early at byte " + pos, null);
        }
        pos += n;
      }
      b.flip();
    } catch (IOException x) {
      throw DwException.unavailable("cannot read the blob index's temporary table under " + dir + ": " + x.getMessage(), x);
    }
  }

  private static FileChannel newFile(Path dir, long slots) {
    try {
      Files.createDirectories(dir);
      Path f = Files.createTempFile(dir, "dw-blob-index-", ".tmp");
      FileChannel c = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
      Files.delete(f); // open and unlinked: gone when closed, or when the process dies
      try {
        c.truncate(0);
        c.write(ByteBuffer.allocate(1), slots * SLOT - 1); // sparse: unwritten slots read as zero (empty)
      } catch (IOException e) {
        c.close();
        throw e;
      }
      return c;
    } catch (IOException e) {
      throw DwException.unavailable("cannot create the blob index's temporary table under " + dir + ": " + e.getMessage(), e);
    }
  }
}
