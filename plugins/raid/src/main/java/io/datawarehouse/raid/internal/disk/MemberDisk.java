package io.datawarehouse.raid.internal.disk;

import com.fasterxml.jackson.core.type.TypeReference;
import io.datawarehouse.raid.BlockDevice;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * One member disk: its device, superblock, per-block checksums and bad-block remap table.
 *
 * <p>Blocks are read and written whole. Every write records the block's CRC32C in the checksum
 * table first (as the pair current/previous, so a crash between the table and the block leaves a
 * block that matches one of them) and then writes the block; every read checks the block against
 * the pair and throws {@link ChecksumMismatchException} when it matches neither. The checksum
 * table is held in memory (8 bytes per block) and written through.
 *
 * <p>A block whose write fails, or that the array relocates after a read error, moves to the next
 * free spare block; the remap table is then written to its slot pair before the call returns, so
 * it survives a crash. With no spare left the call throws {@link SpareExhaustedException}.
 *
 * <p>Thread-safe for different blocks; the array's stripe locks keep writers of one block apart.
 */
public final class MemberDisk implements AutoCloseable {
  private static final int SB_MAGIC = FramedFile.magic("DWSB");
  private static final int REMAP_MAGIC = FramedFile.magic("DWRM");
  /**
   * Format version of the superblock record. 1: the state was {@code clean} or {@code active} and a
   * clean close wrote one round of superblocks. 2: a clean close writes two rounds ({@code
   * closing}, then {@code clean}), so that after a clean close every member must be at the newest
   * generation (see {@link Superblock}). Version 1 disks are read (their array is assembled with
   * the version 1 rule) and rewritten as version 2 at once.
   */
  public static final int SUPERBLOCK_VERSION = 2;

  private final BlockDevice dev;
  private final DiskLayout layout;
  private final SlotStore superblocks;
  private final SlotStore remapStore;
  private final int[] crc;
  private final Map<Long, Integer> remap = new HashMap<>();
  private final DiskCounters counters = new DiskCounters();
  private volatile Superblock superblock;
  private volatile int superblockVersion = SUPERBLOCK_VERSION;
  private long remapGeneration;
  private int nextSpare;

  private MemberDisk(BlockDevice dev, DiskLayout layout, Superblock sb) {
    this.dev = dev;
    this.layout = layout;
    this.superblock = sb;
    this.superblocks = new SlotStore(0, DiskLayout.SUPERBLOCK_SLOT, SB_MAGIC, SUPERBLOCK_VERSION);
    this.remapStore = new SlotStore(DiskLayout.REMAP_START, layout.remapSlot(), REMAP_MAGIC, 1);
    this.crc = new int[(int) (2 * (layout.blocks() + layout.spareBlocks()))];
  }

  /**
   * Formats a new disk (its data area must read as zeros, as a new sparse file does): superblock,
   * an empty remap table, and a checksum table saying every block holds zeros.
   */
  public static MemberDisk format(BlockDevice dev, DiskLayout layout, Superblock sb) throws IOException {
    MemberDisk d = new MemberDisk(dev, layout, sb);
    CRC32C c = new CRC32C();
    c.update(new byte[layout.blockSize()]);
    int zero = (int) c.getValue();
    java.util.Arrays.fill(d.crc, zero);
    ByteBuffer table = ByteBuffer.allocate((int) layout.crcBytes());
    for (int v : d.crc) {
      table.putInt(v);
    }
    dev.write(layout.crcStart(), table.array(), 0, table.capacity());
    d.writeRemapTable();
    d.writeSuperblock(sb);
    return d;
  }

  /**
   * Opens a formatted disk.
   *
   * @return null when the device carries no valid superblock (a blank, foreign or wiped disk)
   */
  public static MemberDisk open(BlockDevice dev) throws IOException {
    SlotStore.Slot slot = new SlotStore(0, DiskLayout.SUPERBLOCK_SLOT, SB_MAGIC, SUPERBLOCK_VERSION).read(dev);
    if (slot == null) {
      return null;
    }
    Superblock sb = Json.fromBytes(slot.payload(), Superblock.class, dev.name() + " superblock");
    DiskLayout layout = DiskLayout.plan(sb.diskSize(), sb.blockSize());
    if (dev.size() < layout.end()) {
      throw new IOException(dev.name() + ": the device has " + dev.size() + " bytes but its superblock needs " + layout.end() + " (truncated)");
    }
    MemberDisk d = new MemberDisk(dev, layout, sb);
    d.superblockVersion = slot.version();
    SlotStore.Slot r = d.remapStore.read(dev);
    if (r == null) {
      throw new IOException(dev.name() + ": the bad-block remap table is unreadable in both slots");
    }
    d.remapGeneration = r.generation();
    List<long[]> entries = Json.mapper().readValue(r.payload(), new TypeReference<List<long[]>>() {});
    for (long[] e : entries) {
      d.remap.put(e[0], (int) e[1]);
      d.nextSpare = Math.max(d.nextSpare, (int) e[1] + 1);
    }
    byte[] table = new byte[(int) layout.crcBytes()];
    dev.read(layout.crcStart(), table, 0, table.length);
    ByteBuffer tb = ByteBuffer.wrap(table);
    for (int i = 0; i < d.crc.length; i++) {
      d.crc[i] = tb.getInt();
    }
    return d;
  }

  public Superblock superblock() {
    return superblock;
  }

  public DiskLayout layout() {
    return layout;
  }

  public DiskCounters counters() {
    return counters;
  }

  public String name() {
    return dev.name();
  }

  public BlockDevice device() {
    return dev;
  }

  /** Format version of the superblock as read from the disk ({@link #SUPERBLOCK_VERSION} once written). */
  public int superblockVersion() {
    return superblockVersion;
  }

  /** Writes a new superblock (its generation picks the slot), in the current format, and forces it. */
  public void writeSuperblock(Superblock sb) throws IOException {
    superblocks.write(dev, sb.generation(), SUPERBLOCK_VERSION, Json.toBytes(sb));
    this.superblock = sb;
    this.superblockVersion = SUPERBLOCK_VERSION;
  }

  /** Number of blocks remapped to spares. */
  public synchronized int remappedBlocks() {
    return remap.size();
  }

  /** Spare blocks not yet used. */
  public synchronized int sparesLeft() {
    return layout.spareBlocks() - nextSpare;
  }

  private synchronized long physical(long block) {
    Integer s = remap.get(block);
    return s == null ? block : layout.blocks() + s;
  }

  /**
   * Reads block {@code block} into {@code buf[off..off+blockSize)} and checks its checksum.
   *
   * @throws ChecksumMismatchException when the content matches no recorded checksum
   * @throws IOException when the device fails
   */
  public void readBlock(long block, byte[] buf, int off) throws IOException {
    int bs = layout.blockSize();
    long p = physical(block);
    long t0 = System.nanoTime();
    try {
      dev.read(layout.blockOffset(p), buf, off, bs);
    } catch (IOException e) {
      counters.readErrors.incrementAndGet();
      throw e;
    } finally {
      counters.latency(System.nanoTime() - t0);
    }
    counters.reads.incrementAndGet();
    counters.bytesRead.addAndGet(bs);
    CRC32C c = new CRC32C();
    c.update(buf, off, bs);
    int v = (int) c.getValue();
    if (v != crc[(int) (2 * p)] && v != crc[(int) (2 * p + 1)]) {
      counters.checksumErrors.incrementAndGet();
      throw new ChecksumMismatchException(String.format("%s: block %d (physical %d) fails its checksum: CRC32C=0x%08x, recorded 0x%08x",
          dev.name(), block, p, v, crc[(int) (2 * p)]));
    }
  }

  /**
   * Writes block {@code block}; a failed write moves the block to a spare.
   *
   * @throws SpareExhaustedException when the write failed and no spare is left
   * @throws IOException when the checksum table cannot be written either
   */
  public void writeBlock(long block, byte[] buf, int off) throws IOException {
    int v = checksum(buf, off);
    long p = physical(block);
    try {
      writeAt(p, buf, off, v);
    } catch (IOException e) {
      counters.writeErrors.incrementAndGet();
      relocate(block, buf, off, e);
    }
  }

  /**
   * Writes {@code bufs.length} consecutive blocks from {@code first}, block {@code i} taken from
   * {@code bufs[i][offs[i] .. +blockSize)} (slices of a caller's buffer need no copy), with two
   * device requests (checksums, then one gathering write of the data) when none of them is
   * remapped; otherwise, or when the batch write fails, block by block (which remaps what fails).
   */
  public void writeBlocks(long first, byte[][] bufs, int[] offs) throws IOException {
    int bs = layout.blockSize();
    int count = bufs.length;
    if (count == 1 || anyRemapped(first, count)) {
      for (int i = 0; i < count; i++) {
        writeBlock(first + i, bufs[i], offs[i]);
      }
      return;
    }
    int[] v = new int[count];
    ByteBuffer entries = ByteBuffer.allocate(8 * count);
    boolean contiguous = true;
    for (int i = 0; i < count; i++) {
      v[i] = checksum(bufs[i], offs[i]);
      entries.putInt(v[i]).putInt(crc[(int) (2 * (first + i))]);
      contiguous &= bufs[i] == bufs[0] && offs[i] == offs[0] + i * bs;
    }
    long t0 = System.nanoTime();
    try {
      dev.write(layout.crcStart() + 8 * first, entries.array(), 0, entries.capacity());
      if (contiguous) {
        dev.write(layout.blockOffset(first), bufs[0], offs[0], count * bs);
      } else {
        dev.write(layout.blockOffset(first), bufs, offs, bs);
      }
    } catch (IOException e) {
      counters.writeErrors.incrementAndGet();
      for (int i = 0; i < count; i++) {
        writeBlock(first + i, bufs[i], offs[i]);
      }
      return;
    } finally {
      counters.latency(System.nanoTime() - t0);
    }
    for (int i = 0; i < count; i++) {
      int j = (int) (2 * (first + i));
      crc[j + 1] = crc[j];
      crc[j] = v[i];
    }
    counters.writes.addAndGet(count);
    counters.bytesWritten.addAndGet((long) count * bs);
  }

  /**
   * Reads {@code count} consecutive blocks with one device request and checks each.
   *
   * @return false when a block is remapped, the read fails or a checksum does not match: the
   *     caller then reads block by block (which counts and repairs what is wrong)
   */
  public boolean readBlocks(long first, int count, byte[] buf, int off) {
    int bs = layout.blockSize();
    if (anyRemapped(first, count)) {
      return false;
    }
    long t0 = System.nanoTime();
    try {
      dev.read(layout.blockOffset(first), buf, off, count * bs);
    } catch (IOException e) {
      return false;
    } finally {
      counters.latency(System.nanoTime() - t0);
    }
    for (int i = 0; i < count; i++) {
      CRC32C c = new CRC32C();
      c.update(buf, off + i * bs, bs);
      int v = (int) c.getValue();
      int j = (int) (2 * (first + i));
      if (v != crc[j] && v != crc[j + 1]) {
        return false;
      }
    }
    counters.reads.addAndGet(count);
    counters.bytesRead.addAndGet((long) count * bs);
    return true;
  }

  /**
   * Reads {@code bufs.length} consecutive blocks from {@code first}, block {@code i} into {@code
   * bufs[i][offs[i] .. +blockSize)} (slices of a caller's buffer, so no copy), with one scattering
   * device request, and checks each block's checksum where it landed.
   *
   * @return false when a block is remapped, the read fails or a checksum does not match: the
   *     caller then reads block by block (which counts and repairs what is wrong)
   */
  public boolean readBlocks(long first, byte[][] bufs, int[] offs) {
    int bs = layout.blockSize();
    int count = bufs.length;
    if (anyRemapped(first, count)) {
      return false;
    }
    long t0 = System.nanoTime();
    try {
      dev.read(layout.blockOffset(first), bufs, offs, bs);
    } catch (IOException e) {
      return false;
    } finally {
      counters.latency(System.nanoTime() - t0);
    }
    CRC32C c = new CRC32C();
    for (int i = 0; i < count; i++) {
      c.reset();
      c.update(bufs[i], offs[i], bs);
      int v = (int) c.getValue();
      int j = (int) (2 * (first + i));
      if (v != crc[j] && v != crc[j + 1]) {
        return false;
      }
    }
    counters.reads.addAndGet(count);
    counters.bytesRead.addAndGet((long) count * bs);
    return true;
  }

  private synchronized boolean anyRemapped(long first, int count) {
    if (remap.isEmpty()) {
      return false;
    }
    for (long b = first; b < first + count; b++) {
      if (remap.containsKey(b)) {
        return true;
      }
    }
    return false;
  }

  /** Moves block {@code block} to a spare with this content (after a read error was repaired). */
  public void relocate(long block, byte[] buf, int off, IOException cause) throws IOException {
    int v = checksum(buf, off);
    synchronized (this) {
      IOException last = cause;
      while (nextSpare < layout.spareBlocks()) {
        int slot = nextSpare++;
        try {
          writeAt(layout.blocks() + slot, buf, off, v);
        } catch (IOException e) {
          counters.writeErrors.incrementAndGet();
          last = e;
          continue;
        }
        remap.put(block, slot);
        writeRemapTable();
        counters.remaps.incrementAndGet();
        return;
      }
      throw new SpareExhaustedException(dev.name() + ": block " + block + " needs a spare block but all "
          + layout.spareBlocks() + " are used", last);
    }
  }

  private void writeAt(long p, byte[] buf, int off, int v) throws IOException {
    int bs = layout.blockSize();
    int i = (int) (2 * p);
    int previous = crc[i];
    byte[] entry = ByteBuffer.allocate(8).putInt(v).putInt(previous).array();
    long t0 = System.nanoTime();
    try {
      dev.write(layout.crcStart() + 8 * p, entry, 0, 8);
      dev.write(layout.blockOffset(p), buf, off, bs);
    } finally {
      counters.latency(System.nanoTime() - t0);
    }
    crc[i] = v;
    crc[i + 1] = previous;
    counters.writes.incrementAndGet();
    counters.bytesWritten.addAndGet(bs);
  }

  private int checksum(byte[] buf, int off) {
    CRC32C c = new CRC32C();
    c.update(buf, off, layout.blockSize());
    return (int) c.getValue();
  }

  private void writeRemapTable() throws IOException {
    List<long[]> entries = new ArrayList<>();
    remap.forEach((b, s) -> entries.add(new long[] {b, s}));
    remapGeneration++;
    remapStore.write(dev, remapGeneration, 1, Json.toBytes(entries));
  }

  public void flush() throws IOException {
    dev.flush();
  }

  @Override
  public void close() throws IOException {
    dev.close();
  }

  /** A DwException naming this disk. */
  public DwException error(String what, Throwable cause) {
    return DwException.unavailable(dev.name() + ": " + what, cause);
  }
}
