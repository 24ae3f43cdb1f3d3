package io.datawarehouse.raid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.sdk.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash tests with a real kill: a child JVM writes (or rebuilds) and is killed with SIGKILL at a
 * moment it does not choose; the array is then reopened here.
 */
class RaidCrashIT {
  static final long SEED = Long.getLong("dw.test.seed", System.nanoTime() & 0xffffff);
  static final int FLUSH_EVERY = 10;

  @TempDir
  Path tmp;

  static Process child(Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--add-modules");
    cmd.add("jdk.incubator.vector");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CrashChild.class.getName());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  static long lastAck(Path acks) throws IOException {
    if (!Files.exists(acks)) {
      return 0;
    }
    List<String> lines = Files.readAllLines(acks);
    return lines.isEmpty() ? 0 : Long.parseLong(lines.get(lines.size() - 1).trim());
  }

  @Test
  void killDuringRandomWrites_everyFlushedWriteReadsBack_andParityAgrees() throws Exception {
    Path dir = tmp.resolve("array");
    long capacity;
    try (RaidArray a = RaidArray.create(dir, ArraySpec.of(RaidLevel.RAID6, 5, 4 << 20, 16384))) {
      capacity = a.capacity();
    }
    killDuringRandomWrites(dir, capacity);
  }

  /**
   * The write hole with a real kill: RAID6 with two disks pulled, so every write is a degraded one
   * (journaled); after each kill the blocks of the pulled disks, which exist only as what the
   * survivors decode to, must read back as flushed. Then the disks come back and are rebuilt.
   */
  @Test
  void killDuringRandomWrites_onADegradedArray_thePulledDisksStillDecode() throws Exception {
    Path dir = tmp.resolve("array");
    long capacity;
    try (RaidArray a = RaidArray.create(dir, ArraySpec.of(RaidLevel.RAID6, 5, 4 << 20, 16384))) {
      capacity = a.capacity();
      a.fail(1);
      a.fail(3);
    }
    Files.delete(dir.resolve("disk-1.img"));
    Files.delete(dir.resolve("disk-3.img"));
    byte[] ref = killDuringRandomWrites(dir, capacity);
    try (RaidArray a = RaidArray.open(dir)) {
      assertThat(a.status().state()).isEqualTo("degraded");
      a.replace(1);
      a.replace(3);
      a.rebuild(Progress.Listener.NONE, 0);
      assertThat(a.status().state()).isEqualTo("optimal");
      ScrubReport scrub = a.scrub(false, Progress.Listener.NONE);
      assertThat(scrub.clean()).as("seed %d: scrub after the rebuild: %s", SEED, scrub).isTrue();
      assertThat(a.read(0, (int) capacity)).as("seed %d: content after the rebuild", SEED).isEqualTo(ref);
    }
  }

  /**
   * Three rounds of: a child writes at random, flushing every {@value #FLUSH_EVERY} writes, and is
   * killed; reopened here, scrub is clean and every flushed write reads back.
   *
   * @return the array's content after the last round
   */
  private byte[] killDuringRandomWrites(Path dir, long capacity) throws Exception {
    byte[] ref = null;
    Path acks = tmp.resolve("acks");
    long started = 0;
    for (int round = 0; round < 3; round++) {
      long before = lastAck(acks);
      Process p = child(tmp.resolve("child-" + round + ".log"), "write", dir.toString(), String.valueOf(SEED), String.valueOf(FLUSH_EVERY), acks.toString(), String.valueOf(started));
      long target = before + FLUSH_EVERY * (3 + round * 2);
      await().atMost(Duration.ofMinutes(2)).until(() -> lastAck(acks) >= target || !p.isAlive());
      assertThat(p.isAlive()).as("child log: " + Files.readString(tmp.resolve("child-" + round + ".log"))).isTrue();
      p.destroyForcibly();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      long flushed = lastAck(acks);
      // reference: every write up to the last acknowledged flush; writes after it may or may not have landed
      ref = new byte[(int) capacity];
      BitSet uncertain = new BitSet((int) capacity);
      long[] off = new long[1];
      for (long i = 0; i < flushed; i++) {
        byte[] b = CrashChild.op(SEED, i, capacity, off);
        System.arraycopy(b, 0, ref, (int) off[0], b.length);
      }
      for (long i = flushed; i <= flushed + FLUSH_EVERY; i++) {
        byte[] b = CrashChild.op(SEED, i, capacity, off);
        uncertain.set((int) off[0], (int) off[0] + b.length);
      }
      try (RaidArray a = RaidArray.open(dir)) {
        ScrubReport scrub = a.scrub(false, Progress.Listener.NONE);
        assertThat(scrub.clean()).as("round %d seed %d: scrub after the kill: %s", round, SEED, scrub).isTrue();
        byte[] got = a.read(0, (int) capacity);
        for (int x = 0; x < capacity; x++) {
          if (!uncertain.get(x) && got[x] != ref[x]) {
            throw new AssertionError("round " + round + " seed " + SEED + ": byte " + x + " of a flushed write was lost (flushed writes: " + flushed + ")");
          }
        }
        // continue from a known state: rewrite the uncertain bytes with the reference so the next round starts clean
        for (int x = uncertain.nextSetBit(0); x >= 0; x = uncertain.nextSetBit(x + 1)) {
          int end = uncertain.nextClearBit(x);
          a.write(x, ref, x, end - x);
          x = end;
        }
      }
      started = flushed;
      Files.writeString(acks, flushed + "\n");
    }
    return ref;
  }

  @Test
  void killDuringRebuild_resumesFromTheCheckpoint() throws Exception {
    Path dir = tmp.resolve("array");
    byte[] ref;
    try (RaidArray a = RaidArray.create(dir, ArraySpec.of(RaidLevel.RAID5, 4, 8 << 20, 4096))) {
      ref = new byte[(int) a.capacity()];
      new java.util.SplittableRandom(SEED).nextBytes(ref);
      a.write(0, ref);
      a.replace(1);
    }
    Process p = child(tmp.resolve("rebuild.log"), "rebuild", dir.toString(), String.valueOf(1 << 20));
    Path ckpt = dir.resolve("rebuild-1.ckpt");
    await().atMost(Duration.ofMinutes(2)).until(() -> Files.exists(ckpt) || !p.isAlive());
    assertThat(p.isAlive()).as(Files.readString(tmp.resolve("rebuild.log"))).isTrue();
    p.destroyForcibly();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    try (RaidArray a = RaidArray.open(dir)) {
      double progress = a.status().members().get(1).rebuildProgress();
      assertThat(progress).isGreaterThan(0.0).isLessThan(1.0);
      List<Long> firstReport = new ArrayList<>();
      a.rebuild(pr -> {
        if (firstReport.isEmpty()) {
          firstReport.add(pr.done());
        }
      }, 0);
      assertThat(firstReport.get(0)).as("resumed, not restarted").isGreaterThan(64);
      assertThat(a.status().state()).isEqualTo("optimal");
      assertThat(a.read(0, ref.length)).isEqualTo(ref);
    }
  }
}
