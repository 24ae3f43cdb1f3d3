package io.datawarehouse.bench.tamperproof;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.tamperproof.Caller;
import io.datawarehouse.tamperproof.TamperProofConfig;
import io.datawarehouse.tamperproof.TamperProofStore;
import io.datawarehouse.tamperproof.WriteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * Durable record writes per second: the tamperproof store beside the same bytes written with
 * {@code FileChannel} + {@code force} in the same run.
 *
 * <ul>
 *   <li>{@code worm_write}: {@link TamperProofStore#write} of one record: data file created
 *       read-only under its final name ({@code CREATE_NEW}), written, then it and its directory
 *       forced (at the same time); then its WRITE entry appended to the ledger and forced (and a
 *       signed checkpoint every 1000 entries), and its metadata file written. Returns when data
 *       file, directory entry and ledger entry are durable.
 *   <li>{@code baseline_fileChannelForce}: the same bytes to a new file ({@code CREATE_NEW}) in
 *       one of 256 directories, then {@code force(true)}: the least a durable file-per-record write
 *       costs.
 * </ul>
 *
 * Record sizes: 4 KiB and 1 MiB ({@code size}). Data lives under {@code java.io.tmpdir} and is
 * removed after each trial. Goal: {@code worm_write} at least 70% of the baseline.
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar WormWriteBenchmark -f 1 -wi 2 -i 3 -r 2s}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class WormWriteBenchmark {
  @Param({"4096", "1048576"})
  int size;

  private byte[] data;
  private Path dir;
  private TamperProofStore store;
  private long files;
  private final WriteOptions options = WriteOptions.in("bench").withRetention(Duration.ofDays(1));
  private final Caller caller = Caller.of("bench");

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    data = new byte[size];
    new SplittableRandom(42).nextBytes(data);
    dir = Files.createTempDirectory("dw-bench-worm");
    store = TamperProofStore.open(dir.resolve("store"), TamperProofConfig.defaults(), Time.SYSTEM);
    for (int i = 0; i < 256; i++) {
      Files.createDirectories(dir.resolve("plain").resolve(String.format("%02x", i)));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    BenchFiles.deleteTree(dir);
  }

  @Benchmark
  public String worm_write() {
    return store.write(data, options, caller).id();
  }

  @Benchmark
  public long baseline_fileChannelForce() throws IOException {
    long n = files++;
    BenchFiles.writePlainForced(dir, n, data);
    return n;
  }
}
