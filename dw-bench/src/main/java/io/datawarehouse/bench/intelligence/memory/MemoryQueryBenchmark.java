package io.datawarehouse.bench.intelligence.memory;

import io.datawarehouse.intelligence.memory.MemoryQuery;
import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.intelligence.memory.internal.RocksDbBackend;
import io.datawarehouse.sdk.Time;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A query by scope + tier over 1,000,000 records: through the {@code idx_scope} index (touches the
 * 31,250 matching records only) beside the same predicate answered by scanning every record (the
 * plan a store without secondary indexes has), in the same run. Records carry 256 bytes of
 * content; 32 scopes x 4 tiers.
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar MemoryQueryBenchmark -f 1 -wi 1 -i 3 -r 5s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class MemoryQueryBenchmark {
  static final int N = 1_000_000;
  private Path dir;
  private RocksDbBackend backend;
  private final MemoryQuery indexed = MemoryQuery.builder().scope("agent-3").tier(MemoryTier.ARCHIVE).build();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("memory-query-bench-");
    backend = RocksDbBackend.open(dir.resolve("db"), RocksDbBackend.Options.defaults(), Time.SYSTEM);
    byte[] content = new byte[256];
    List<MemoryRecord> batch = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      batch.add(MemoryRecord.builder(String.format("m%07d", i)).content(content).scope("agent-" + (i % 32))
          .tier(MemoryTier.values()[(i / 32) % 4]).build());
      if (batch.size() == 5000) {
        backend.storeAll(batch);
        batch.clear();
      }
    }
    backend.compact();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    backend.close();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** scope + tier through the composite index. */
  @Benchmark
  public long indexedScopeTier() {
    try (Stream<MemoryRecord> s = backend.query(indexed)) {
      return s.count();
    }
  }

  /** The same predicate over a scan of every record (baseline: no index). */
  @Benchmark
  public long fullScanScopeTier() {
    try (Stream<MemoryRecord> s = backend.query(MemoryQuery.all())) {
      return s.filter(r -> r.scope().equals("agent-3") && r.tier() == MemoryTier.ARCHIVE).count();
    }
  }
}
