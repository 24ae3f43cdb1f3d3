package io.datawarehouse.raid.internal.disk;

import java.util.List;

/**
 * What each member disk says about itself and its array: kept in two slots at the start of the
 * disk ({@link SlotStore}), JSON in a framed, checksummed record.
 *
 * @param arrayId the array this disk belongs to
 * @param diskId this disk's identity (a new one for every replacement)
 * @param role the disk's position in the array, or -1 for a hot spare
 * @param generation the event counter: every assembly, every change of membership or state and
 *     each of the two rounds of a clean close increments it on every disk, so a disk that missed
 *     changes (it was failed, unplugged, or is an old copy) has a lower one
 * @param state {@code active} while the array is open (written at assembly); {@code closing} in
 *     the first round of a clean close (every write is durable by then); {@code clean} in the
 *     second round. After a clean close (the newest superblock says {@code clean}) every member
 *     is at the newest generation, or one behind in state {@code closing} (the second round was
 *     cut short): anything else is stale. After an unclean stop the newest superblock says {@code
 *     active} or {@code closing}, and a member one generation behind is tolerated (a crash in the
 *     middle of a superblock update)
 * @param level {@code 0 1 5 6 10 rs}
 * @param disks the number of active roles
 * @param dataShards k (RS) or the level's data shards per stripe
 * @param parityShards m
 * @param blockSize chunk size in bytes
 * @param diskSize bytes of each member disk
 * @param members every role's disk and its state, as this disk last saw them
 */
public record Superblock(
    String arrayId,
    String diskId,
    int role,
    long generation,
    String state,
    String level,
    int disks,
    int dataShards,
    int parityShards,
    int blockSize,
    long diskSize,
    List<Member> members) {

  /** Array states ({@link #state()}). */
  public static final String CLEAN = "clean";
  public static final String CLOSING = "closing";

  /** Disk states in the member table ({@code active} is also the array state while open). */
  public static final String ACTIVE = "active";
  public static final String FAILED = "failed";
  public static final String REBUILDING = "rebuilding";

  /**
   * One role of the array.
   *
   * @param role 0..disks-1
   * @param diskId the disk that holds the role
   * @param state active, failed or rebuilding
   */
  public record Member(int role, String diskId, String state) {}

  public Superblock {
    members = List.copyOf(members);
  }

  /** This superblock for another disk or role, at a generation, with a member table. */
  public Superblock with(String newDiskId, int newRole, long newGeneration, String newState, List<Member> newMembers) {
    return new Superblock(arrayId, newDiskId, newRole, newGeneration, newState, level, disks, dataShards, parityShards, blockSize, diskSize, newMembers);
  }
}
