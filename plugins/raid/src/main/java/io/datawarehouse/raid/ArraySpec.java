package io.datawarehouse.raid;

import io.datawarehouse.sdk.DwException;
import java.nio.file.Path;
import java.util.List;

/**
 * What to create: level, disks, sizes. Validated on construction; every error names the value
 * and the rule.
 *
 * @param level the RAID level
 * @param disks active member disks (for RS: k + m)
 * @param dataShards k for RS; ignored (0) for other levels
 * @param parityShards m for RS; ignored (0) for other levels
 * @param diskSize bytes of each member disk file
 * @param blockSize chunk size: a power of two from 4 KiB to 16 MiB (default 64 KiB)
 * @param spares hot spare disks
 * @param diskPaths where the disk files go (disks + spares of them), or empty: inside the array
 *     directory
 */
public record ArraySpec(
    RaidLevel level, int disks, int dataShards, int parityShards, long diskSize, int blockSize, int spares, List<Path> diskPaths) {

  /** The default chunk size. */
  public static final int DEFAULT_BLOCK_SIZE = 64 * 1024;

  public ArraySpec {
    diskPaths = List.copyOf(diskPaths);
    if (blockSize < 4096 || blockSize > (16 << 20) || Integer.bitCount(blockSize) != 1) {
      throw DwException.invalidArgument("block size must be a power of two from 4 KiB to 16 MiB, was " + blockSize);
    }
    if (spares < 0) {
      throw DwException.invalidArgument("spares must be 0 or more, was " + spares);
    }
    switch (level) {
      case RAID0 -> require(disks >= 1, "RAID0 needs at least 1 disk, got " + disks);
      case RAID1 -> require(disks >= 2, "RAID1 needs at least 2 disks, got " + disks);
      case RAID5 -> require(disks >= 3, "RAID5 needs at least 3 disks, got " + disks);
      case RAID6 -> require(disks >= 4, "RAID6 needs at least 4 disks, got " + disks);
      case RAID10 -> require(disks >= 4 && disks % 2 == 0, "RAID10 needs an even number of disks, at least 4, got " + disks);
      case RS -> {
        require(dataShards >= 1 && parityShards >= 1, "rs needs --data K >= 1 and --parity M >= 1, got K=" + dataShards + ", M=" + parityShards);
        require(dataShards + parityShards <= 255, "rs needs K + M <= 255, got " + (dataShards + parityShards));
        require(disks == dataShards + parityShards, "rs with K=" + dataShards + " and M=" + parityShards + " needs " + (dataShards + parityShards) + " disks, got " + disks);
      }
    }
    if (level != RaidLevel.RS && (dataShards != 0 || parityShards != 0)) {
      throw DwException.invalidArgument("--data and --parity apply to level rs only, not " + level.cliName());
    }
    require(disks <= 255, "at most 255 disks, got " + disks);
    if (!diskPaths.isEmpty() && diskPaths.size() != disks + spares) {
      throw DwException.invalidArgument(disks + " disks and " + spares + " spares need " + (disks + spares) + " disk paths, got " + diskPaths.size());
    }
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw DwException.invalidArgument(message);
    }
  }

  /** A spec for a level other than RS. */
  public static ArraySpec of(RaidLevel level, int disks, long diskSize, int blockSize) {
    return new ArraySpec(level, disks, 0, 0, diskSize, blockSize, 0, List.of());
  }

  /** A Reed-Solomon k+m spec. */
  public static ArraySpec reedSolomon(int k, int m, long diskSize, int blockSize) {
    return new ArraySpec(RaidLevel.RS, k + m, k, m, diskSize, blockSize, 0, List.of());
  }

  /** This spec with hot spares. */
  public ArraySpec withSpares(int n) {
    return new ArraySpec(level, disks, dataShards, parityShards, diskSize, blockSize, n, diskPaths);
  }

  /** This spec with explicit disk paths. */
  public ArraySpec withDiskPaths(List<Path> paths) {
    return new ArraySpec(level, disks, dataShards, parityShards, diskSize, blockSize, spares, paths);
  }

  /** How many disks may fail at once without losing data (RAID10: one per mirror, at least). */
  public int faultTolerance() {
    return switch (level) {
      case RAID0 -> 0;
      case RAID1 -> disks - 1;
      case RAID5 -> 1;
      case RAID6 -> 2;
      case RAID10 -> 1;
      case RS -> parityShards;
    };
  }
}
