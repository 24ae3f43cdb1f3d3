package io.datawarehouse.raid;

import java.util.List;
import java.util.Map;

/**
 * An array's state for {@code dw raid status} and {@code raid.status}.
 *
 * @param arrayId the array's id
 * @param level 0 1 5 6 10 rs
 * @param state optimal, degraded (running with fewer redundancy), rebuilding, or failed (data lost)
 * @param disks active roles
 * @param dataShards data chunks per stripe
 * @param parityShards parity chunks per stripe group
 * @param blockSize chunk size
 * @param capacity usable bytes
 * @param generation the superblock event counter
 * @param members each role
 * @param spares hot spare disk paths
 */
public record ArrayStatus(
    String arrayId, String level, String state, int disks, int dataShards, int parityShards, int blockSize,
    long capacity, long generation, List<Member> members, List<String> spares) {

  public ArrayStatus {
    members = List.copyOf(members);
    spares = List.copyOf(spares);
  }

  /**
   * One role.
   *
   * @param role position in the array
   * @param path the disk's path, or null when missing
   * @param state active, failed, rebuilding or missing
   * @param rebuildProgress fraction of stripes rebuilt (1 when active)
   * @param remappedBlocks blocks moved to spare blocks
   * @param spareBlocksLeft spare blocks left for remapping
   * @param counters reads, writes, bytes, errors, latency percentiles since open
   */
  public record Member(int role, String path, String state, double rebuildProgress, int remappedBlocks, int spareBlocksLeft, Map<String, Object> counters) {
    public Member {
      counters = counters == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(counters));
    }
  }
}
