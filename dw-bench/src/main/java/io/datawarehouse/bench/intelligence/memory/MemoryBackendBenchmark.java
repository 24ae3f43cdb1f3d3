package io.datawarehouse.bench.intelligence.memory;

import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.intelligence.memory.internal.RocksDbBackend;
import io.datawarehouse.sdk.Time;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * The {@code rocksdb} memory backend beside raw RocksDB in the same run: puts and point gets of
 * 1 KiB records ({@code impl=memory-rocksdb} stores a {@link MemoryRecord} with its scope, tier and
 * tag index entries in one WriteBatch; {@code impl=raw-rocksdb} puts the same 1 KiB under the same
 * key, the floor). Both write with the same {@link WriteOptions}: the backend's defaults, WAL on,
 * fsync per write as {@link RocksDbBackend.Options#syncWrites()} says (off).
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar MemoryBackendBenchmark -f 1 -wi 2 -i 3 -r 2s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class MemoryBackendBenchmark {
  static final int PRELOADED = 100_000;
  static final RocksDbBackend.Options OPTIONS = RocksDbBackend.Options.defaults();

  @Param({"memory-rocksdb", "raw-rocksdb"})
  public String impl;

  private Path dir;
  private RocksDbBackend backend;
  private RocksDB raw;
  private Options rawOptions;
  private WriteOptions rawWrite;
  private byte[] payload;
  private final SplittableRandom rnd = new SplittableRandom(42);
  private long next = PRELOADED;

  static {
    RocksDB.loadLibrary();
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("memory-bench-");
    payload = new byte[1024];
    new SplittableRandom(7).nextBytes(payload);
    if (impl.equals("memory-rocksdb")) {
      backend = RocksDbBackend.open(dir.resolve("db"), OPTIONS, Time.SYSTEM);
      List<MemoryRecord> batch = new ArrayList<>();
      for (int i = 0; i < PRELOADED; i++) {
        batch.add(record(i));
        if (batch.size() == 1000) {
          backend.storeAll(batch);
          batch.clear();
        }
      }
    } else {
      rawOptions = new Options().setCreateIfMissing(true);
      raw = RocksDB.open(rawOptions, dir.resolve("raw").toString());
      // the same write options as the backend's: WAL on, fsync only when the backend syncs too
      rawWrite = new WriteOptions().setSync(OPTIONS.syncWrites()).setDisableWAL(false);
      for (int i = 0; i < PRELOADED; i++) {
        raw.put(rawWrite, key(i), payload);
      }
    }
  }

  private MemoryRecord record(long i) {
    return record(i, payload);
  }

  /** The benchmark's record number {@code i} (also used by {@link MemoryInterleaved}). */
  static MemoryRecord record(long i, byte[] payload) {
    // scopes and tags from a fixed set, as an application has them (not a new string per record)
    return MemoryRecord.builder("mem-" + i).content(payload).tier(TIERS[(int) (i & 3)]).scope(SCOPES[(int) (i % 16)])
        .tags(TAGS[(int) (i % 8)]).importance(0.5).build();
  }

  private static final MemoryTier[] TIERS = MemoryTier.values();
  private static final String[] SCOPES = IntStream.range(0, 16).mapToObj(n -> "agent-" + n).toArray(String[]::new);
  private static final String[] TAGS = IntStream.range(0, 8).mapToObj(n -> "t" + n).toArray(String[]::new);

  static byte[] key(long i) {
    return ("mem-" + i).getBytes(StandardCharsets.UTF_8);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (backend != null) {
      backend.close();
    }
    if (raw != null) {
      raw.close();
      rawWrite.close();
      rawOptions.close();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public Object put1KiB() throws RocksDBException {
    long i = next++;
    if (backend != null) {
      return backend.store(record(i));
    }
    raw.put(rawWrite, key(i), payload);
    return payload;
  }

  @Benchmark
  public Object get1KiB() throws RocksDBException {
    long i = rnd.nextLong(PRELOADED);
    if (backend != null) {
      return backend.get("mem-" + i).orElseThrow();
    }
    return raw.get(key(i));
  }
}
