package io.datawarehouse.intelligence.memory.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.intelligence.memory.MemoryQuery;
import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.testkit.ManualTime;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 during batch writes (a separate JVM), reopen, and check that every batch is there whole
 * or not at all, that every acknowledged batch is there, and that indexes and counters agree with
 * the records.
 */
class RocksDbBackendCrashTest {
  private static final int BATCH = 400;
  @TempDir Path tmp;

  @Test
  void killDuringBatches_eachBatchAllOrNothing_acknowledgedOnesKept() throws Exception {
    long seed = System.nanoTime();
    System.out.println("RocksDbBackendCrashTest seed " + seed);
    SplittableRandom rnd = new SplittableRandom(seed);
    Path dir = tmp.resolve("store");
    int next = 0;
    for (int round = 0; round < 3; round++) {
      Process p = ChildJvm.start(CrashWriter.class, "256m", tmp.resolve("child-" + round + ".log"), dir.toString(),
          Integer.toString(BATCH), Integer.toString(next));
      int target = 3 + rnd.nextInt(10);
      int lastAck = -1;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("ACK ")) {
            lastAck = Integer.parseInt(line.substring(4));
            if (lastAck >= next + target) {
              p.destroyForcibly(); // SIGKILL while it writes the next batch
              break;
            }
          }
        }
      }
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(lastAck).as("the child acknowledged batches (see child-%d.log)", round).isGreaterThanOrEqualTo(next);

      try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), new ManualTime())) {
        Map<Integer, Integer> perBatch = new TreeMap<>();
        long total = 0;
        try (Stream<MemoryRecord> s = b.query(MemoryQuery.builder().scope("crash").build())) {
          for (MemoryRecord rec : (Iterable<MemoryRecord>) s::iterator) {
            int k = Integer.parseInt(rec.id().substring(1, rec.id().indexOf('-')));
            assertThat(rec.contentText()).startsWith(k + ":");
            perBatch.merge(k, 1, Integer::sum);
            total++;
          }
        }
        int maxPresent = perBatch.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        for (Map.Entry<Integer, Integer> e : perBatch.entrySet()) {
          assertThat(e.getValue()).as("records of batch %d", e.getKey()).isEqualTo(BATCH);
        }
        for (int k = 0; k <= lastAck; k++) {
          assertThat(perBatch).as("acknowledged batch %d", k).containsKey(k);
        }
        assertThat(maxPresent).isBetween(lastAck, lastAck + 1);
        assertThat(perBatch).hasSize(maxPresent + 1);
        assertThat(b.get("latest").orElseThrow().contentText()).isEqualTo(Integer.toString(maxPresent));
        // indexes and counters were written in the same batches as the records
        assertThat(b.count(MemoryQuery.builder().tagsAll(List.of("batch-" + maxPresent)).build())).isEqualTo(BATCH + 1);
        assertThat(b.statistics().records()).isEqualTo(total + 1);
        next = maxPresent + 1;
      }
    }
  }
}
