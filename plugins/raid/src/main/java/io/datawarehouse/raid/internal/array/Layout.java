package io.datawarehouse.raid.internal.array;

import io.datawarehouse.raid.RaidLevel;
import io.datawarehouse.raid.codec.ErasureCodec;
import io.datawarehouse.raid.internal.codec.MatrixCodec;

/**
 * Where each chunk of a stripe lives. A stripe is block {@code s} of every disk. Its disks are cut
 * into groups, each protected by one erasure code: one group of all disks for RAID0 (k = n, m = 0),
 * RAID1 (a mirror: k = 1, m = n - 1), RAID5 (XOR), RAID6 (P+Q) and RS (k + m); for RAID10, n/2
 * groups of two mirrored disks. The data chunks of a stripe are the data shards of group 0, then
 * group 1, and so on.
 *
 * <p>Parity rotates for RAID5, RAID6 and RS: shard {@code j} of stripe {@code s} is on disk {@code
 * (j + s) mod n}, so parity is spread over all disks and sequential reads use every disk.
 */
public final class Layout {
  private final RaidLevel level;
  private final int disks;
  private final int blockSize;
  private final long stripes;
  private final ErasureCodec[] codecs;
  private final int groupWidth;
  private final int dataPerGroup;

  public Layout(RaidLevel level, int disks, int dataShards, int parityShards, int blockSize, long stripes) {
    this.level = level;
    this.disks = disks;
    this.blockSize = blockSize;
    this.stripes = stripes;
    ErasureCodec c = switch (level) {
      case RAID0 -> MatrixCodec.reedSolomon(disks, 0);
      case RAID1 -> MatrixCodec.mirror(disks);
      case RAID5 -> MatrixCodec.xor(disks - 1);
      case RAID6 -> MatrixCodec.raid6(disks - 2);
      case RS -> MatrixCodec.reedSolomon(dataShards, parityShards);
      case RAID10 -> MatrixCodec.mirror(2);
    };
    int groups = level == RaidLevel.RAID10 ? disks / 2 : 1;
    this.codecs = new ErasureCodec[groups];
    java.util.Arrays.fill(codecs, c);
    this.groupWidth = c.totalShards();
    this.dataPerGroup = c.dataShards();
  }

  public RaidLevel level() {
    return level;
  }

  public int disks() {
    return disks;
  }

  public int blockSize() {
    return blockSize;
  }

  public long stripes() {
    return stripes;
  }

  public int groups() {
    return codecs.length;
  }

  public ErasureCodec codec(int group) {
    return codecs[group];
  }

  /** Data chunks per stripe. */
  public int dataChunks() {
    return codecs.length * dataPerGroup;
  }

  /** Bytes of data per stripe. */
  public long stripeData() {
    return (long) dataChunks() * blockSize;
  }

  /** Usable capacity in bytes. */
  public long capacity() {
    return stripes * stripeData();
  }

  /** The group of data chunk {@code c} of a stripe. */
  public int groupOf(int chunk) {
    return chunk / dataPerGroup;
  }

  /** The shard index inside its group of data chunk {@code c}. */
  public int shardOf(int chunk) {
    return chunk % dataPerGroup;
  }

  /** The disk (role) of shard {@code j} of group {@code g} in stripe {@code s}. */
  public int disk(long s, int g, int j) {
    return switch (level) {
      case RAID5, RAID6, RS -> (int) ((j + s) % disks);
      case RAID10 -> g * groupWidth + j;
      default -> j;
    };
  }

  /** The group and shard index that disk {@code role} holds in stripe {@code s}: {@code {g, j}}. */
  public int[] shardOnDisk(long s, int role) {
    return switch (level) {
      case RAID5, RAID6, RS -> new int[] {0, (int) ((role - s % disks + disks) % disks)};
      case RAID10 -> new int[] {role / groupWidth, role % groupWidth};
      default -> new int[] {0, role};
    };
  }
}
