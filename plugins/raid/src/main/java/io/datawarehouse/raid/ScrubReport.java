package io.datawarehouse.raid;

import java.util.List;

/**
 * What a scrub found.
 *
 * @param stripes stripes scanned
 * @param repair whether mismatches were repaired
 * @param disks per-disk findings, by role
 * @param parityMismatchStripes stripes whose parity disagreed with their data
 * @param unrecoverableStripes stripes with more bad shards than the code tolerates
 * @param repaired blocks rewritten
 */
public record ScrubReport(long stripes, boolean repair, List<Disk> disks, long parityMismatchStripes, long unrecoverableStripes, long repaired) {
  public ScrubReport {
    disks = List.copyOf(disks);
  }

  /**
   * One disk's findings.
   *
   * @param role the disk's position
   * @param readErrors blocks the device failed to read
   * @param checksumErrors blocks whose CRC32C did not match
   * @param parityMismatches parity blocks on this disk that disagreed with the data
   */
  public record Disk(int role, long readErrors, long checksumErrors, long parityMismatches) {}

  /** Whether nothing was wrong. */
  public boolean clean() {
    return parityMismatchStripes == 0 && unrecoverableStripes == 0
        && disks.stream().allMatch(d -> d.readErrors() == 0 && d.checksumErrors() == 0 && d.parityMismatches() == 0);
  }
}
