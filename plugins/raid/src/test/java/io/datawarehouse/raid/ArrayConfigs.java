package io.datawarehouse.raid;

import java.util.List;

/** The array shapes every array test runs over: each level, and several k+m. */
public final class ArrayConfigs {
  private ArrayConfigs() {}

  /** Small disks (about 600 KiB, 4 KiB blocks) so a test touches every stripe quickly. */
  public static final long DISK = 600 * 1024;
  public static final int BLOCK = 4096;

  public static List<ArraySpec> all() {
    return List.of(
        ArraySpec.of(RaidLevel.RAID0, 3, DISK, BLOCK),
        ArraySpec.of(RaidLevel.RAID1, 3, DISK, BLOCK),
        ArraySpec.of(RaidLevel.RAID5, 4, DISK, BLOCK),
        ArraySpec.of(RaidLevel.RAID6, 5, DISK, BLOCK),
        ArraySpec.of(RaidLevel.RAID10, 4, DISK, BLOCK),
        ArraySpec.reedSolomon(4, 2, DISK, BLOCK),
        ArraySpec.reedSolomon(3, 3, DISK, BLOCK),
        ArraySpec.reedSolomon(6, 1, DISK, 8192));
  }

  /** Only the shapes with redundancy. */
  public static List<ArraySpec> redundant() {
    return all().stream().filter(s -> s.faultTolerance() > 0).toList();
  }

  public static String label(ArraySpec s) {
    return s.level() == RaidLevel.RS ? "rs(" + s.dataShards() + "," + s.parityShards() + ")" : "raid" + s.level().cliName() + "x" + s.disks();
  }
}
