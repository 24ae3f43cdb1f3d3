package io.datawarehouse.raid;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.raid.internal.array.Layout;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The degraded write hole: a crash in the middle of a stripe update on an array running without
 * some of its disks must not change what the missing disks' blocks decode to.
 */
class DegradedWriteJournalTest {
  static final long SEED = Long.getLong("dw.test.seed", System.nanoTime());

  @TempDir
  Path tmp;

  /** The levels whose groups have several data shards and parity: RAID5, RAID6 and RS k+m. */
  static Stream<Arguments> parityLevels() {
    return ArrayConfigs.redundant().stream()
        .filter(s -> s.level() != RaidLevel.RAID1 && s.level() != RaidLevel.RAID10)
        .map(s -> Arguments.of(ArrayConfigs.label(s), s));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("parityLevels")
  void crashInTheMiddleOfADegradedStripeWrite_journalIsReplayed_everyByteReadsBack(String label, ArraySpec spec) throws IOException {
    SplittableRandom rnd = new SplittableRandom(SEED ^ label.hashCode());
    FaultyDevices devices = new FaultyDevices();
    RaidArray a = RaidArray.create(tmp, spec, Time.SYSTEM, devices);
    byte[] ref = RaidArrayTest.randomWrites(a, rnd, 5);
    a.flush();
    int lost = spec.faultTolerance();
    for (int r = 0; r < lost; r++) {
      a.fail(r);
      Files.delete(tmp.resolve("disk-" + r + ".img")); // pulled out
    }
    assertThat(a.status().state()).isEqualTo("degraded");
    // acknowledged degraded writes, some flushed and some not
    for (int i = 0; i < 20; i++) {
      int len = 1 + rnd.nextInt(3 * a.blockSize());
      int pos = rnd.nextInt(ref.length - len + 1);
      byte[] b = new byte[len];
      TestBytes.fill(rnd, b);
      a.write(pos, b);
      System.arraycopy(b, 0, ref, pos, len);
      if (i == 9) {
        a.flush();
      }
    }
    Layout layout = a.engine().layout();
    int bs = a.blockSize();
    int k = layout.codec(0).dataShards();
    for (boolean multi : new boolean[] {false, true}) {
      int crashes = 0;
      // every device write of a single-stripe update; every other one (the shard boundaries: a shard
      // write is a checksum entry, then the block) of a three-stripe update
      for (int crashAt = 0; ; crashAt += multi ? 2 : 1) {
        // a stripe with a data block on a lost disk: write part of another data block of it, so that
        // the stripe's new data and its parity go to different disks and the lost block is implied;
        // or (multi) from there on over the next stripe into the one after (their updates are
        // journaled together and forced once)
        long s;
        int present;
        do {
          s = rnd.nextLong(layout.stripes() - 2);
          present = -1;
          boolean hole = false;
          for (int j = 0; j < k; j++) {
            if (layout.disk(s, 0, j) < lost) {
              hole = true;
            } else if (present < 0) {
              present = j;
            }
          }
          present = hole ? present : -1;
        } while (present < 0);
        int inBlock = rnd.nextInt(bs / 2);
        int len = multi ? (int) (2 * layout.stripeData()) - inBlock + 1 + rnd.nextInt(bs) : 1 + rnd.nextInt(bs - inBlock);
        long pos = s * layout.stripeData() + (long) present * bs + inBlock;
        byte[] data = new byte[len];
        TestBytes.fill(rnd, data);
        devices.crashAfter(crashAt);
        boolean crashed;
        try {
          a.write(pos, data);
          crashed = false;
        } catch (FaultyDevices.SimulatedCrash e) {
          crashed = true;
          crashes++;
        }
        // journaled before any shard was written: the write is there after the replay even when the
        // crash came first
        System.arraycopy(data, 0, ref, (int) pos, len);
        a.engine().abandon();
        devices.disarm();
        List<RaidEvent> events = new ArrayList<>();
        a = RaidArray.open(tmp, Time.SYSTEM, devices);
        a.addListener(events::add);
        assertThat(a.status().state()).isEqualTo("degraded");
        assertThat(events).extracting(RaidEvent::type).contains(RaidEvent.JOURNAL_REPLAYED);
        String what = label + " seed=" + SEED + " after a crash after " + crashAt + " device writes of a degraded write of " + len + " bytes to stripe " + s;
        // first the write hole itself: the lost disks' blocks of the stripes, which decode from the
        // others, must read as what they hold
        for (long t = s; t <= s + (multi ? 2 : 0); t++) {
          for (int j = 0; j < k; j++) {
            if (layout.disk(t, 0, j) < lost) {
              long at = t * layout.stripeData() + (long) j * bs;
              assertThat(a.read(at, bs)).as(what + ": lost block " + j + " of stripe " + t).isEqualTo(java.util.Arrays.copyOfRange(ref, (int) at, (int) at + bs));
            }
          }
        }
        RaidArrayTest.assertContent(a, ref, what);
        if (!crashed) {
          break;
        }
      }
      // a shard write is two device writes (checksum entry, block); the update writes at least one
      // data block and one parity block, so the loop crashed before, between and after them
      assertThat(crashes).isGreaterThanOrEqualTo(multi ? 6 : 4);
    }
    // the lost disks come back: they are rebuilt from what the survivors decode to
    for (int r = 0; r < lost; r++) {
      a.replace(r);
    }
    a.rebuild(Progress.Listener.NONE, 0);
    assertThat(a.status().state()).isEqualTo("optimal");
    assertThat(a.scrub(false, Progress.Listener.NONE).clean()).isTrue();
    RaidArrayTest.assertContent(a, ref, label + " after the rebuild");
    a.close();
    assertThat(Files.size(tmp.resolve("journal.log"))).as("the journal is emptied by a clean close").isEqualTo(JOURNAL_HEADER);
  }

  /** Bytes of an empty record log (its header). */
  static final long JOURNAL_HEADER = 24;

  @Test
  void healthyArray_writesAreNotJournaled_andAnArrayWithoutAJournalFileOpens() throws IOException {
    ArraySpec spec = ArraySpec.of(RaidLevel.RAID6, 5, ArrayConfigs.DISK, ArrayConfigs.BLOCK);
    SplittableRandom rnd = new SplittableRandom(SEED);
    byte[] ref;
    try (RaidArray a = RaidArray.create(tmp, spec)) {
      ref = RaidArrayTest.randomWrites(a, rnd, 30);
      assertThat(Files.size(tmp.resolve("journal.log"))).isEqualTo(JOURNAL_HEADER);
    }
    Files.delete(tmp.resolve("journal.log")); // an array made before the journal existed
    try (RaidArray a = RaidArray.open(tmp)) {
      RaidArrayTest.assertContent(a, ref, "reopened without a journal file");
      a.fail(2);
      a.write(100, new byte[] {1, 2, 3});
      ref[100] = 1;
      ref[101] = 2;
      ref[102] = 3;
      assertThat(Files.size(tmp.resolve("journal.log"))).as("a degraded write is journaled").isGreaterThan(JOURNAL_HEADER + 2L * spec.blockSize());
      a.flush();
      assertThat(Files.size(tmp.resolve("journal.log"))).as("a flush empties the journal").isEqualTo(JOURNAL_HEADER);
      RaidArrayTest.assertContent(a, ref, "degraded");
    }
  }
}
