package io.datawarehouse.raid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.raid.internal.disk.DiskLayout;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every level: reads and writes against a reference, lost disks, corruption, rebuild, stale disks. */
class RaidArrayTest {
  static final long SEED = Long.getLong("dw.test.seed", System.nanoTime());

  @TempDir
  Path tmp;

  static Stream<Arguments> all() {
    return ArrayConfigs.all().stream().map(s -> Arguments.of(ArrayConfigs.label(s), s));
  }

  static Stream<Arguments> redundant() {
    return ArrayConfigs.redundant().stream().map(s -> Arguments.of(ArrayConfigs.label(s), s));
  }

  /** Random writes of random lengths and offsets, mirrored into a reference byte array. */
  static byte[] randomWrites(RaidArray a, SplittableRandom rnd, int ops) {
    byte[] ref = new byte[(int) a.capacity()];
    fillRandom(a, ref, rnd, ops);
    return ref;
  }

  static void fillRandom(RaidArray a, byte[] ref, SplittableRandom rnd, int ops) {
    int cap = ref.length;
    byte[] full = new byte[cap];
    TestBytes.fill(rnd, full);
    a.write(0, full);
    System.arraycopy(full, 0, ref, 0, cap);
    for (int i = 0; i < ops; i++) {
      int len = 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 3 * a.blockSize() * 4);
      len = Math.min(len, cap);
      int pos = rnd.nextInt(cap - len + 1);
      byte[] b = new byte[len];
      TestBytes.fill(rnd, b);
      a.write(pos, b);
      System.arraycopy(b, 0, ref, pos, len);
    }
  }

  static void assertContent(RaidArray a, byte[] ref, String what) {
    byte[] all = a.read(0, ref.length);
    for (int i = 0; i < ref.length; i++) {
      if (all[i] != ref[i]) {
        throw new AssertionError(what + " seed=" + SEED + ": first difference at byte " + i + " (stripe "
            + i / (a.status().dataShards() * (long) a.blockSize()) + "): expected " + ref[i] + ", got " + all[i]);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("all")
  void writeAndRead_randomOffsetsAndLengths_matchTheReference_alsoAfterReopen(String label, ArraySpec spec) {
    SplittableRandom rnd = new SplittableRandom(SEED ^ label.hashCode());
    byte[] ref;
    try (RaidArray a = RaidArray.create(tmp, spec)) {
      assertThat(a.status().state()).isEqualTo("optimal");
      ref = randomWrites(a, rnd, 200);
      for (int i = 0; i < 200; i++) {
        int len = 1 + rnd.nextInt(20000);
        int pos = rnd.nextInt(ref.length - len + 1);
        byte[] got = a.read(pos, len);
        for (int x = 0; x < len; x++) {
          if (got[x] != ref[pos + x]) {
            throw new AssertionError(label + " seed=" + SEED + " read at " + (pos + x));
          }
        }
      }
    }
    try (RaidArray a = RaidArray.open(tmp)) {
      assertContent(a, ref, label + " after reopen");
      assertThat(a.scrub(false, Progress.Listener.NONE).clean()).isTrue();
    }
  }

  enum Damage {
    DELETE, TRUNCATE, GARBAGE
  }

  static void damage(Path disk, Damage how, SplittableRandom rnd) throws IOException {
    switch (how) {
      case DELETE -> Files.delete(disk);
      case TRUNCATE -> {
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
          f.setLength(f.length() / 3);
        }
      }
      case GARBAGE -> {
        byte[] junk = new byte[(int) Files.size(disk)];
        TestBytes.fill(rnd, junk);
        Files.write(disk, junk);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("redundant")
  void lostDisks_upToTheTolerance_everyByteReadsBack_oneMoreFailsClearly(String label, ArraySpec spec) throws IOException {
    SplittableRandom rnd = new SplittableRandom(SEED ^ label.hashCode() ^ 1);
    byte[] ref;
    try (RaidArray a = RaidArray.create(tmp, spec)) {
      ref = randomWrites(a, rnd, 50);
    }
    List<Integer> victims = new ArrayList<>();
    while (victims.size() < spec.faultTolerance()) {
      int v = rnd.nextInt(spec.disks());
      if (!victims.contains(v)) {
        victims.add(v);
      }
    }
    for (int i = 0; i < victims.size(); i++) {
      damage(tmp.resolve("disk-" + victims.get(i) + ".img"), Damage.values()[i % 3], rnd);
    }
    try (RaidArray a = RaidArray.open(tmp)) {
      assertThat(a.status().state()).isEqualTo("degraded");
      assertContent(a, ref, label + " with disks " + victims + " lost");
      // degraded writes still work and read back
      byte[] more = new byte[3 * a.blockSize() + 17];
      TestBytes.fill(rnd, more);
      int pos = rnd.nextInt(ref.length - more.length);
      a.write(pos, more);
      System.arraycopy(more, 0, ref, pos, more.length);
      assertContent(a, ref, label + " degraded write");
    }
    int extra = victims.get(0);
    // one more than allowed: a disk that is not already lost, in the same mirror pair for RAID10
    for (int d = 0; d < spec.disks(); d++) {
      boolean samePair = spec.level() != RaidLevel.RAID10 || d / 2 == victims.get(0) / 2;
      if (!victims.contains(d) && samePair) {
        extra = d;
        break;
      }
    }
    Files.delete(tmp.resolve("disk-" + extra + ".img"));
    if (victims.size() + 1 == spec.disks()) {
      // nothing left to assemble from
      assertThatThrownBy(() -> RaidArray.open(tmp))
          .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
      return;
    }
    try (RaidArray a = RaidArray.open(tmp)) {
      assertThat(a.status().state()).isEqualTo("failed");
      assertThatThrownBy(() -> a.read(0, ref.length))
          .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
          .hasMessageContaining("cannot be read");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("redundant")
  void silentCorruption_readsStayCorrect_scrubReportsAndRepairs(String label, ArraySpec spec) throws IOException {
    SplittableRandom rnd = new SplittableRandom(SEED ^ label.hashCode() ^ 2);
    byte[] ref;
    try (RaidArray a = RaidArray.create(tmp, spec)) {
      ref = randomWrites(a, rnd, 30);
    }
    DiskLayout dl = DiskLayout.plan(spec.diskSize(), spec.blockSize());
    // flip bytes in the data area of one disk per stripe region: at most one bad shard per stripe
    int flips = 0;
    for (long s = 0; s < dl.blocks(); s += 3) {
      int disk = rnd.nextInt(spec.disks());
      Path p = tmp.resolve("disk-" + disk + ".img");
      try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
        long at = dl.blockOffset(s) + rnd.nextInt(spec.blockSize());
        f.seek(at);
        int b = f.read();
        f.seek(at);
        f.write(b ^ (1 + rnd.nextInt(255)));
        flips++;
      }
    }
    try (RaidArray a = RaidArray.open(tmp)) {
      ScrubReport before = a.scrub(false, Progress.Listener.NONE);
      long found = before.disks().stream().mapToLong(ScrubReport.Disk::checksumErrors).sum();
      assertThat(found).as(label).isEqualTo(flips);
      assertContent(a, ref, label + " corrupted");
      ScrubReport repair = a.scrub(true, Progress.Listener.NONE);
      assertThat(repair.repair()).isTrue();
      assertThat(a.scrub(false, Progress.Listener.NONE).clean()).as(label + " clean after repair").isTrue();
      assertContent(a, ref, label + " repaired");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("redundant")
  void failReplaceRebuild_thenLoseAnotherDisk_dataSurvives(String label, ArraySpec spec) throws IOException {
    SplittableRandom rnd = new SplittableRandom(SEED ^ label.hashCode() ^ 3);
    byte[] ref;
    List<long[]> progress = new ArrayList<>();
    try (RaidArray a = RaidArray.create(tmp, spec)) {
      ref = randomWrites(a, rnd, 30);
      a.fail(1);
      assertThat(a.status().members().get(1).state()).isEqualTo("failed");
      fillRandom(a, ref, rnd, 20);
      a.replace(1);
      assertThat(a.needsRebuild()).containsExactly(1);
      assertThat(a.rebuild(p -> progress.add(new long[] {p.done(), p.total()}), 0)).containsExactly(1);
      assertThat(a.status().state()).isEqualTo("optimal");
      assertContent(a, ref, label + " rebuilt");
    }
    assertThat(progress).isNotEmpty();
    assertThat(progress.get(progress.size() - 1)[0]).isEqualTo(progress.get(progress.size() - 1)[1]);
    // the rebuilt disk must carry real data: lose a different disk and read everything
    Files.delete(tmp.resolve(spec.level() == RaidLevel.RAID10 ? "disk-0.img" : "disk-" + (spec.disks() - 1) + ".img"));
    try (RaidArray a = RaidArray.open(tmp)) {
      assertContent(a, ref, label + " rebuilt disk carries the data");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("redundant")
  void staleDisk_oldCopyPutBack_isDetectedAndResynced_neverTrusted(String label, ArraySpec spec) throws IOException {
    SplittableRandom rnd = new SplittableRandom(SEED ^ label.hashCode() ^ 4);
    byte[] ref;
    try (RaidArray a = RaidArray.create(tmp, spec)) {
      ref = randomWrites(a, rnd, 10);
    }
    Path disk = tmp.resolve("disk-0.img");
    Path backup = tmp.resolve("old-copy");
    Files.copy(disk, backup);
    try (RaidArray a = RaidArray.open(tmp)) {
      fillRandom(a, ref, rnd, 10);
    }
    Files.move(backup, disk, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    List<RaidEvent> events = new ArrayList<>();
    try (RaidArray a = RaidArray.open(tmp)) {
      assertThat(a.status().members().get(0).state()).isEqualTo("rebuilding");
      assertContent(a, ref, label + " stale disk not trusted");
      a.addListener(events::add);
      a.rebuild(Progress.Listener.NONE, 0);
      assertThat(a.status().state()).isEqualTo("optimal");
    }
    assertThat(events).extracting(RaidEvent::type).contains(RaidEvent.REBUILD_FINISHED);
    Files.delete(tmp.resolve("disk-1.img"));
    try (RaidArray a = RaidArray.open(tmp)) {
      assertContent(a, ref, label + " resynced disk carries the data");
    }
  }

  static void fillRandom(byte[] b, SplittableRandom rnd) {
    TestBytes.fill(rnd, b);
  }
}
