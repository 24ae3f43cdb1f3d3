package io.datawarehouse.bench.crypto;

import io.datawarehouse.sdk.crypto.Sha256;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * SHA-256 throughput of the {@link Sha256} facade beside a bare JDK {@link MessageDigest} on the
 * same 256 MiB in the same run. One operation per MiB: JMH's {@code ops/s} reads as <b>MiB/s</b>.
 *
 * <ul>
 *   <li>{@code messageDigest}: the baseline, {@code MessageDigest.getInstance("SHA-256").digest(bytes)}.
 *   <li>{@code facade_hash}: {@code Sha256.hash(bytes)}.
 *   <li>{@code facade_incremental}: {@code Sha256.create()} fed 1 MiB at a time.
 *   <li>{@code facade_stream}: {@code Sha256.hash(InputStream)} over the bytes in memory.
 * </ul>
 *
 * Run as {@link StreamingAeadBenchmark} says (the pattern {@code 'bench.crypto'} runs both).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class Sha256Benchmark {
  private static final int MIB = 1 << 20;
  private static final int SIZE_MIB = 256;

  private byte[] data;

  @Setup(Level.Trial)
  public void setUp() {
    data = new byte[SIZE_MIB * MIB];
    new SplittableRandom(42).nextBytes(data);
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public byte[] messageDigest() throws NoSuchAlgorithmException {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public byte[] facade_hash() {
    return Sha256.hash(data);
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public byte[] facade_incremental() {
    Sha256 h = Sha256.create();
    for (int off = 0; off < data.length; off += MIB) {
      h.update(data, off, MIB);
    }
    return h.digest();
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public byte[] facade_stream() throws IOException {
    return Sha256.hash(new ByteArrayInputStream(data));
  }
}
