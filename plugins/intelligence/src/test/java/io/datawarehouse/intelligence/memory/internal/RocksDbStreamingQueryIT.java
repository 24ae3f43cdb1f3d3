package io.datawarehouse.intelligence.memory.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.testkit.ManualTime;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A query over 1,000,000 records streams in bounded memory: the records are written here, then a
 * separate JVM with a 64 MiB heap (the records alone are several hundred MiB as objects) runs a
 * full scan in id order, an indexed scope+tier query, and an unlimited sort by importance that must
 * spill to disk ({@link StreamingQueryRunner}).
 */
class RocksDbStreamingQueryIT {
  static final int N = 1_000_000;
  @TempDir Path tmp;

  @Test
  void millionRecords_streamInA64MiBHeap() throws Exception {
    Path dir = tmp.resolve("store");
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), new ManualTime())) {
      List<MemoryRecord> batch = new ArrayList<>(5000);
      for (int i = 0; i < N; i++) {
        batch.add(MemoryRecord.builder(String.format("m%07d", i)).content("memory number " + i + " about topic " + (i % 97))
            .scope("agent-" + (i % 8)).tier(MemoryTier.values()[i % 4]).importance((i * 7919L % 1000) / 1000.0)
            .tags("t" + (i % 13)).build());
        if (batch.size() == 5000) {
          b.storeAll(batch);
          batch.clear();
        }
      }
      b.flush();
      assertThat(b.statistics().records()).isEqualTo(N);
    }
    Process p = ChildJvm.start(StreamingQueryRunner.class, "64m", tmp.resolve("child.log"), dir.toString());
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        out.add(line);
      }
    }
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as("child JVM failed: %s", Files.exists(tmp.resolve("child.log"))
        ? Files.readString(tmp.resolve("child.log")) : "").isZero();
    assertThat(out).contains("all " + N + " ordered", "scope+tier " + (N / 8), "sorted " + N + " ordered");
  }
}
