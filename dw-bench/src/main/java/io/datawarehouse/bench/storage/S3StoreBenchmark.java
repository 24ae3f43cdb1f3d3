package io.datawarehouse.bench.storage;

import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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

/**
 * The s3 store beside the bare AWS SDK v2 client (same HTTP client, same S3Mock, same bucket) in
 * the same run. Scores are operations per second; MB/s = score x size / 2^20.
 *
 * <ul>
 *   <li>{@code store_put} vs {@code baseline_sdkPut}: the store hashes the content (SHA-256) and
 *       sends it as a checksum the service verifies; above 16 MiB it uploads 8 MiB parts, 4 at a
 *       time, and tags the object with its SHA-256. The baseline is one PutObject.
 *   <li>{@code store_get} vs {@code baseline_sdkGet}: the store verifies the SHA-256 as it streams.
 * </ul>
 *
 * Needs S3Mock on 127.0.0.1:9090 ({@code source scripts/services.d/s3mock.sh && ensure_s3mock}).
 * Goal: the store at 90% or more of the bare SDK.
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar S3StoreBenchmark -f 1 -wi 2 -i 3 -r 2s}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class S3StoreBenchmark {
  private static final int KEYS = 4;

  @Param({"4096", "1048576", "33554432"})
  int size;

  private byte[] sink;
  private S3Pair pair;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    byte[] data = new byte[size];
    new SplittableRandom(42).nextBytes(data);
    sink = new byte[256 * 1024];
    pair = new S3Pair(data, KEYS);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pair.close();
  }

  private int nextIndex() {
    next = (next + 1) % KEYS;
    return next;
  }

  @Benchmark
  public Object store_put() {
    return pair.storePut(nextIndex());
  }

  @Benchmark
  public Object baseline_sdkPut() {
    return pair.sdkPut(nextIndex());
  }

  @Benchmark
  public long store_get() throws IOException {
    return pair.storeGet(nextIndex(), sink);
  }

  @Benchmark
  public long baseline_sdkGet() throws IOException {
    return pair.sdkGet(nextIndex(), sink);
  }
}
