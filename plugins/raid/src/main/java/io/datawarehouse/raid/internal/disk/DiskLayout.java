package io.datawarehouse.raid.internal.disk;

import io.datawarehouse.sdk.DwException;

/**
 * Where things live on a member disk (format version 1). All offsets are multiples of 4 KiB.
 *
 * <pre>
 *   0                superblock slot A (4 KiB)        two slots written alternately, the valid one
 *   4 KiB            superblock slot B (4 KiB)        with the higher generation wins
 *   8 KiB            remap table slot A (R)           the same scheme for the bad-block remap table
 *   8 KiB + R        remap table slot B (R)
 *   crcStart         checksum table: per physical block two CRC32C values (8 bytes),
 *                    the current and the previous content (a crash between the table update
 *                    and the block write leaves a block that matches one of the two)
 *   dataStart        blocks 0 .. blocks-1             one chunk per stripe
 *   spareStart       spare blocks 0 .. spareBlocks-1  targets of bad-block remapping
 * </pre>
 *
 * @param diskSize total bytes of the device
 * @param blockSize chunk size
 * @param blocks data blocks (= stripes of the array)
 * @param spareBlocks spare blocks for remapping
 */
public record DiskLayout(long diskSize, int blockSize, long blocks, int spareBlocks) {
  public static final int SUPERBLOCK_SLOT = 4096;
  public static final long REMAP_START = 2L * SUPERBLOCK_SLOT;
  private static final int ALIGN = 4096;

  /** The layout that fits {@code diskSize} with {@code blockSize} chunks. */
  public static DiskLayout plan(long diskSize, int blockSize) {
    long approx = diskSize / blockSize;
    int spares = (int) Math.max(4, Math.min(1024, approx / 64));
    DiskLayout l = new DiskLayout(diskSize, blockSize, 1, spares);
    long fixed = l.crcStart() + ALIGN + (long) spares * blockSize + 8L * spares;
    long blocks = (diskSize - fixed) / (blockSize + 8L);
    while (blocks > 0 && new DiskLayout(diskSize, blockSize, blocks, spares).end() > diskSize) {
      blocks--;
    }
    if (blocks < 1) {
      throw DwException.invalidArgument("disk size " + diskSize + " bytes is too small for " + blockSize
          + "-byte blocks: the metadata, " + spares + " spare blocks and at least one data block need "
          + new DiskLayout(diskSize, blockSize, 1, spares).end() + " bytes");
    }
    return new DiskLayout(diskSize, blockSize, blocks, spares);
  }

  /** Bytes of one remap-table slot. */
  public int remapSlot() {
    return align(64 + 32L * spareBlocks);
  }

  public long crcStart() {
    return REMAP_START + 2L * remapSlot();
  }

  public long crcBytes() {
    return align(8L * (blocks + spareBlocks));
  }

  public long dataStart() {
    return crcStart() + crcBytes();
  }

  /** Byte offset of physical block {@code p} (spare slot s is physical block {@code blocks + s}). */
  public long blockOffset(long p) {
    return dataStart() + p * blockSize;
  }

  /** One past the last byte used. */
  public long end() {
    return dataStart() + (blocks + spareBlocks) * blockSize;
  }

  private static int align(long v) {
    return (int) ((v + ALIGN - 1) / ALIGN * ALIGN);
  }
}
