package io.datawarehouse.raid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.raid.internal.disk.DiskLayout;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.testkit.ManualTime;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot spares, rebuild resume and rate limit, bad-block remapping, resync after an unclean stop. */
class RaidArrayFailureTest {
  static final ArraySpec RAID6 = ArraySpec.of(RaidLevel.RAID6, 5, ArrayConfigs.DISK, ArrayConfigs.BLOCK);

  @TempDir
  Path tmp;

  @Test
  void fail_withHotSpare_spareTakesOverAndIsRebuilt() {
    SplittableRandom rnd = new SplittableRandom(11);
    List<RaidEvent> events = new ArrayList<>();
    try (RaidArray a = RaidArray.create(tmp, RAID6.withSpares(1))) {
      a.addListener(events::add);
      byte[] ref = RaidArrayTest.randomWrites(a, rnd, 20);
      assertThat(a.status().spares()).hasSize(1);
      a.fail(2);
      assertThat(a.status().members().get(2).state()).isEqualTo("rebuilding");
      assertThat(a.status().members().get(2).path()).endsWith("spare-0.img");
      assertThat(a.status().spares()).isEmpty();
      a.rebuild(Progress.Listener.NONE, 0);
      assertThat(a.status().state()).isEqualTo("optimal");
      RaidArrayTest.assertContent(a, ref, "after spare rebuild");
    }
    assertThat(events).extracting(RaidEvent::type)
        .containsSubsequence(RaidEvent.DISK_FAILED, RaidEvent.SPARE_ACTIVATED, RaidEvent.REBUILD_STARTED, RaidEvent.REBUILD_FINISHED);
  }

  @Test
  void rebuild_interrupted_resumesFromItsCheckpointAfterReopen() {
    SplittableRandom rnd = new SplittableRandom(12);
    byte[] ref;
    long stripes;
    try (RaidArray a = RaidArray.create(tmp, RAID6)) {
      ref = RaidArrayTest.randomWrites(a, rnd, 20);
      a.replace(3);
      stripes = a.capacity() / (3L * a.blockSize());
      assertThatThrownBy(() -> a.rebuild(p -> {
        if (p.done() >= 64) {
          throw new IllegalStateException("simulated stop at " + p.done());
        }
      }, 0)).hasMessageContaining("simulated stop");
    }
    List<Long> seen = new ArrayList<>();
    try (RaidArray a = RaidArray.open(tmp)) {
      assertThat(a.needsRebuild()).containsExactly(3);
      assertThat(a.status().members().get(3).rebuildProgress()).isGreaterThan(0.0).isLessThan(1.0);
      a.rebuild(p -> seen.add(p.done()), 0);
      RaidArrayTest.assertContent(a, ref, "after resumed rebuild");
    }
    assertThat(seen.get(0)).as("resumed past the checkpoint, not from 0").isEqualTo(128);
    assertThat(seen.get(seen.size() - 1)).isEqualTo(stripes);
  }

  @Test
  void rebuild_rateLimit_sleepsOnTheInjectedTime() {
    ManualTime manual = new ManualTime();
    List<Duration> sleeps = new ArrayList<>();
    Time time = new Time() {
      @Override
      public java.time.Instant now() {
        return manual.now();
      }

      @Override
      public long nanoTime() {
        return manual.nanoTime();
      }

      @Override
      public void sleep(Duration d) {
        sleeps.add(d);
        manual.advance(d);
      }
    };
    try (RaidArray a = RaidArray.create(tmp, RAID6, time, BlockDeviceFactory.FILES)) {
      a.replace(0);
      long rate = 1 << 20;
      a.rebuild(Progress.Listener.NONE, rate);
      long stripes = a.capacity() / (3L * a.blockSize());
      long slept = sleeps.stream().mapToLong(Duration::toNanos).sum();
      double expected = stripes * (double) a.blockSize() / rate * 1e9;
      assertThat((double) slept).isBetween(expected * 0.95, expected * 1.01);
    }
  }

  @Test
  void writeError_movesTheBlockToASpare_theRemapSurvivesRestart_exhaustionFailsTheDisk() {
    FaultyDevices faults = new FaultyDevices();
    SplittableRandom rnd = new SplittableRandom(13);
    Path disk0 = tmp.resolve("disk-0.img");
    DiskLayout dl = DiskLayout.plan(RAID6.diskSize(), RAID6.blockSize());
    byte[] ref;
    List<RaidEvent> events = new ArrayList<>();
    try (RaidArray a = RaidArray.create(tmp, RAID6, Time.SYSTEM, faults)) {
      a.addListener(events::add);
      faults.failWrites(disk0, dl.blockOffset(10), dl.blockOffset(13));
      ref = RaidArrayTest.randomWrites(a, rnd, 10);
      assertThat(a.status().members().get(0).remappedBlocks()).isEqualTo(3);
      assertThat(a.status().members().get(0).state()).isEqualTo("active");
    }
    assertThat(events).extracting(RaidEvent::type).contains(RaidEvent.REMAP);
    // the remap table survives: with the bad range now unreadable too, the data still comes from the spares
    faults.failReads(disk0, dl.blockOffset(10), dl.blockOffset(13));
    try (RaidArray a = RaidArray.open(tmp, Time.SYSTEM, faults)) {
      assertThat(a.status().members().get(0).remappedBlocks()).isEqualTo(3);
      RaidArrayTest.assertContent(a, ref, "remapped blocks");
      assertThat(a.status().members().get(0).counters().get("readErrors")).isEqualTo(0L);
      // a disk whose every write fails runs out of spares and is failed, with an event
      events.clear();
      a.addListener(events::add);
      faults.failWrites(disk0, dl.dataStart(), dl.end());
      byte[] all = new byte[(int) a.capacity()];
      rnd.nextBytes(all);
      a.write(0, all);
      assertThat(a.status().members().get(0).state()).isEqualTo("failed");
      assertThat(events).extracting(RaidEvent::type).contains(RaidEvent.SPARE_EXHAUSTED, RaidEvent.DISK_FAILED);
      RaidArrayTest.assertContent(a, all, "after the disk failed");
    }
  }

  @Test
  void open_whileOpenElsewhere_isRefusedClearly() {
    try (RaidArray a = RaidArray.create(tmp, RAID6)) {
      assertThatThrownBy(() -> RaidArray.open(tmp)).hasMessageContaining("is open in another process");
      assertThat(a.status().state()).isEqualTo("optimal");
    }
    RaidArray.open(tmp).close();
  }

  @Test
  void readError_isRepairedFromRedundancy_andTheBlockRelocated() {
    FaultyDevices faults = new FaultyDevices();
    Path disk1 = tmp.resolve("disk-1.img");
    DiskLayout dl = DiskLayout.plan(RAID6.diskSize(), RAID6.blockSize());
    try (RaidArray a = RaidArray.create(tmp, RAID6, Time.SYSTEM, faults)) {
      byte[] ref = RaidArrayTest.randomWrites(a, new SplittableRandom(14), 5);
      faults.failReads(disk1, dl.blockOffset(20), dl.blockOffset(21));
      RaidArrayTest.assertContent(a, ref, "read error");
      assertThat(a.status().members().get(1).remappedBlocks()).isEqualTo(1);
      assertThat(a.scrub(false, Progress.Listener.NONE).clean()).isTrue();
    }
  }

  @Test
  void uncleanStop_dirtyStripesAreResynced_parityAgreesWithData() throws Exception {
    SplittableRandom rnd = new SplittableRandom(15);
    RaidArray a = RaidArray.create(tmp, RAID6);
    byte[] ref = RaidArrayTest.randomWrites(a, rnd, 5);
    a.flush();
    byte[] more = new byte[5000];
    rnd.nextBytes(more);
    a.write(4096 * 7, more);
    System.arraycopy(more, 0, ref, 4096 * 7, more.length);
    // no flush, no close: as if the process died; then damage a parity block of the dirty stripe
    DiskLayout dl = DiskLayout.plan(RAID6.diskSize(), RAID6.blockSize());
    long stripe = 4096L * 7 / (3 * 4096);
    int parityDisk = (int) ((3 + stripe) % 5);
    try (RandomAccessFile f = new RandomAccessFile(tmp.resolve("disk-" + parityDisk + ".img").toFile(), "rw")) {
      f.seek(dl.blockOffset(stripe) + 100);
      f.write(new byte[] {1, 2, 3});
    }
    // release the first instance's files and lock without writing anything, as a dead process does
    a.engine().abandon();
    try (RaidArray b = RaidArray.open(tmp)) {
      RaidArrayTest.assertContent(b, ref, "after unclean stop");
      assertThat(b.scrub(false, Progress.Listener.NONE).clean()).isTrue();
    }
  }
}
