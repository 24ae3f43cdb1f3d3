package io.datawarehouse.raid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {
  static final ArraySpec RAID5 = ArraySpec.of(RaidLevel.RAID5, 4, ArrayConfigs.DISK, ArrayConfigs.BLOCK);

  @TempDir
  Path tmp;

  @Test
  void snapshot_overwrite_readOld_restore_delete_gc() {
    SplittableRandom rnd = new SplittableRandom(21);
    try (RaidArray a = RaidArray.create(tmp, RAID5)) {
      byte[] before = RaidArrayTest.randomWrites(a, rnd, 10);
      SnapshotInfo s1 = a.snapshotCreate("s1");
      assertThat(s1.savedBlocks()).isZero();
      byte[] after = before.clone();
      RaidArrayTest.fillRandom(a, after, rnd, 20);
      assertThat(a.snapshots()).extracting(SnapshotInfo::name).containsExactly("s1");
      assertThat(a.snapshots().get(0).savedBlocks()).isEqualTo(a.capacity() / a.blockSize());
      assertThat(a.snapshotRead("s1", 0, before.length)).isEqualTo(before);
      RaidArrayTest.assertContent(a, after, "current");
      a.snapshotCreate("s2");
      byte[] third = after.clone();
      byte[] patch = new byte[10000];
      rnd.nextBytes(patch);
      a.write(12345, patch);
      System.arraycopy(patch, 0, third, 12345, patch.length);
      assertThat(a.snapshotRead("s2", 0, after.length)).isEqualTo(after);
      assertThat(a.snapshotRead("s1", 0, before.length)).isEqualTo(before);
      a.snapshotRestore("s1");
      RaidArrayTest.assertContent(a, before, "restored s1");
      assertThat(a.snapshotRead("s2", 0, after.length)).as("s2 unchanged by restoring s1").isEqualTo(after);
      long storedBefore = a.dedupStats().storedBytes();
      a.snapshotDelete("s1");
      a.snapshotDelete("s2");
      assertThat(a.dedupStats().unreferencedBlocks()).isPositive();
      assertThat(a.dedupGc()).isPositive();
      assertThat(a.dedupStats().storedBytes()).isLessThan(storedBefore).isZero();
      assertThatThrownBy(() -> a.snapshotRead("s1", 0, 1)).isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }
  }

  @Test
  void snapshot_survivesReopen_andIdenticalBlocksAreStoredOnce() {
    try (RaidArray a = RaidArray.create(tmp, RAID5)) {
      byte[] same = new byte[(int) a.capacity()];
      java.util.Arrays.fill(same, (byte) 7);
      a.write(0, same);
      a.snapshotCreate("base");
      a.snapshotCreate("second");
      byte[] fresh = new byte[(int) a.capacity()];
      new SplittableRandom(22).nextBytes(fresh);
      a.write(0, fresh);
      DedupStats st = a.dedupStats();
      assertThat(st.blocks()).as("every saved block held the same bytes").isEqualTo(1);
      assertThat(st.ratio()).isEqualTo(2.0 * a.capacity() / a.blockSize());
    }
    try (RaidArray a = RaidArray.open(tmp)) {
      assertThat(a.snapshots()).extracting(SnapshotInfo::name).containsExactly("base", "second");
      byte[] old = a.snapshotRead("base", 0, (int) a.capacity());
      for (byte b : old) {
        assertThat(b).isEqualTo((byte) 7);
      }
      assertThat(a.dedupStats().referencedBytes()).isEqualTo(2 * a.capacity());
    }
  }

  @Test
  void snapshotCreate_badOrDuplicateName_isRejected() {
    try (RaidArray a = RaidArray.create(tmp, RAID5)) {
      a.snapshotCreate("ok");
      assertThatThrownBy(() -> a.snapshotCreate("ok")).isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
      assertThatThrownBy(() -> a.snapshotCreate("../x")).isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }
}
