package io.datawarehouse.bench.tamperproof;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.tamperproof.Caller;
import io.datawarehouse.tamperproof.RecordInfo;
import io.datawarehouse.tamperproof.TamperProofConfig;
import io.datawarehouse.tamperproof.TamperProofStore;
import io.datawarehouse.tamperproof.WriteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 * Verification throughput: reading records back verified against their ledger SHA-256, beside
 * plain SHA-256 of the same bytes in memory, in the same run. Scores are operations per second;
 * multiply by {@code size} for bytes per second (each operation verifies one record).
 *
 * <ul>
 *   <li>{@code worm_verifiedRead}: {@link TamperProofStore#read} of the next of 64 records (from the
 *       page cache after the first pass): header checks, SHA-256 of the content while it is read,
 *       comparison with the ledger's hash; the bytes are returned in a new array.
 *   <li>{@code worm_verifyContent}: {@link TamperProofStore#verifyContent}, verification without
 *       returning the bytes (what a scan does per record): reused buffers, and records of 256 KiB
 *       and more read ahead on a second thread while hashing.
 *   <li>{@code baseline_sha256}: {@code MessageDigest} SHA-256 of a {@code size}-byte array.
 * </ul>
 *
 * Goal: verification at least 70% of the baseline.
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar WormVerifyBenchmark -f 1 -wi 2 -i 3 -r 2s}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class WormVerifyBenchmark {
  static final int RECORDS = 64;

  @Param({"4096", "1048576"})
  int size;

  private byte[] data;
  private String[] ids;
  private int next;
  private Path dir;
  private TamperProofStore store;
  private MessageDigest sha;

  @Setup(Level.Trial)
  public void setUp() throws IOException, NoSuchAlgorithmException {
    data = new byte[size];
    new SplittableRandom(7).nextBytes(data);
    sha = MessageDigest.getInstance("SHA-256");
    dir = Files.createTempDirectory("dw-bench-verify");
    store = TamperProofStore.open(dir, TamperProofConfig.defaults(), Time.SYSTEM);
    ids = new String[RECORDS];
    WriteOptions o = WriteOptions.in("bench").withRetention(Duration.ofDays(1));
    for (int i = 0; i < RECORDS; i++) {
      data[0] = (byte) i;
      ids[i] = store.write(data, o, Caller.of("bench")).id();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    BenchFiles.deleteTree(dir);
  }

  @Benchmark
  public byte[] worm_verifiedRead() {
    String id = ids[next++ & (RECORDS - 1)];
    return store.read(id);
  }

  @Benchmark
  public RecordInfo worm_verifyContent() {
    String id = ids[next++ & (RECORDS - 1)];
    return store.verifyContent(id);
  }

  @Benchmark
  public byte[] baseline_sha256() {
    return sha.digest(data);
  }
}
