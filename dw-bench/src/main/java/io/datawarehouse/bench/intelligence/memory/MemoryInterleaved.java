package io.datawarehouse.bench.intelligence.memory;

import io.datawarehouse.bench.storage.Interleaved;
import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.internal.RocksDbBackend;
import io.datawarehouse.sdk.Time;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * The pairs of {@link MemoryBackendBenchmark} (the {@code rocksdb} memory backend vs a raw RocksDB
 * put/get of the same 1 KiB under the same key, same records, same write options), interleaved
 * with {@link Interleaved}: short batches of the raw side and of the backend alternate in one JVM,
 * so both see the same machine load; prints the ratio of the totals by wall time and by the
 * calling thread's CPU time (which background flushes and compactions of either side do not
 * touch).
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp dw-bench/target/benchmarks.jar
 * io.datawarehouse.bench.intelligence.memory.MemoryInterleaved put|get [ROUNDS [BATCH]]}
 * (defaults 40 rounds of 5,000).
 */
public final class MemoryInterleaved {
  private MemoryInterleaved() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || !(args[0].equals("get") || args[0].equals("put"))) {
      System.err.println("usage: MemoryInterleaved put|get [ROUNDS [BATCH]]");
      System.exit(2);
    }
    boolean get = args[0].equals("get");
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 5_000;
    RocksDB.loadLibrary();
    byte[] payload = new byte[1024];
    new SplittableRandom(7).nextBytes(payload);
    Path dir = Files.createTempDirectory("memory-interleaved-");
    RocksDbBackend.Options options = MemoryBackendBenchmark.OPTIONS;
    try (RocksDbBackend backend = RocksDbBackend.open(dir.resolve("db"), options, Time.SYSTEM);
        Options rawOptions = new Options().setCreateIfMissing(true);
        RocksDB raw = RocksDB.open(rawOptions, dir.resolve("raw").toString());
        WriteOptions rawWrite = new WriteOptions().setSync(options.syncWrites()).setDisableWAL(false)) {
      int preloaded = MemoryBackendBenchmark.PRELOADED;
      List<MemoryRecord> chunk = new ArrayList<>();
      for (int i = 0; i < preloaded; i++) {
        chunk.add(MemoryBackendBenchmark.record(i, payload));
        if (chunk.size() == 1000) {
          backend.storeAll(chunk);
          chunk.clear();
        }
        raw.put(rawWrite, MemoryBackendBenchmark.key(i), payload);
      }
      SplittableRandom rndRaw = new SplittableRandom(42);
      SplittableRandom rndStore = new SplittableRandom(42);
      long[] next = {preloaded, preloaded};
      long[] sink = new long[1];
      Interleaved.Op baseline = get
          ? i -> sink[0] += rawGet(raw, MemoryBackendBenchmark.key(rndRaw.nextLong(preloaded))).length
          : i -> rawPut(raw, rawWrite, MemoryBackendBenchmark.key(next[0]++), payload);
      Interleaved.Op contender = get
          ? i -> sink[0] += backend.get("mem-" + rndStore.nextLong(preloaded)).orElseThrow().contentSize()
          : i -> sink[0] += backend.store(MemoryBackendBenchmark.record(next[1]++, payload)).version();
      Interleaved.run(get ? "raw-rocksdb get" : "raw-rocksdb put", baseline, get ? "memory-rocksdb get" : "memory-rocksdb put",
          contender, payload.length, rounds, batch);
      if (sink[0] == 42) {
        System.out.println();
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static byte[] rawGet(RocksDB raw, byte[] key) throws IOException {
    try {
      return raw.get(key);
    } catch (RocksDBException e) {
      throw new UncheckedIOException(new IOException(e));
    }
  }

  private static void rawPut(RocksDB raw, WriteOptions w, byte[] key, byte[] value) throws IOException {
    try {
      raw.put(w, key, value);
    } catch (RocksDBException e) {
      throw new IOException(e);
    }
  }
}
