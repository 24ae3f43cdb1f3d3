package io.datawarehouse.bench.raid;

import io.datawarehouse.raid.codec.ErasureCodec;
import io.datawarehouse.raid.internal.codec.MatrixCodec;
import io.datawarehouse.raid.internal.gf.GfKernel;
import io.datawarehouse.raid.internal.gf.GfKernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Erasure-coding throughput on 10 data shards of 1 MiB (one 14 MiB stripe, L3-resident), single
 * thread: RS(10,4) encode, RS(10,4) decode of 4 lost data shards, RAID6 P+Q, RAID5 XOR, each on
 * the vector and the scalar kernel. One operation processes 10 MiB of data input, so
 * {@code GB/s = ops/s * 10 * 2^20 / 1e9}. The ISA-L baseline is the same work in C
 * ({@code ../shared/bench/isal}); {@link RaidCodecComparison} runs both and prints the ratios.
 *
 * <pre>
 * mvn -B -q -pl dw-bench -am package -DskipTests
 * java -jar dw-bench/target/benchmarks.jar 'ErasureCodingBenchmark' -f 1 -wi 2 -i 3 -r 2s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class ErasureCodingBenchmark {
  /** Data shards. */
  public static final int K = 10;
  /** Bytes per shard. */
  public static final int SHARD = 1 << 20;

  @Param({"vector", "scalar"})
  public String kernel;

  private ErasureCodec rs;
  private ErasureCodec raid6;
  private ErasureCodec xor;
  private byte[][] rsShards;
  private byte[][] pqShards;
  private byte[][] xorShards;
  private boolean[] present;

  @Setup(Level.Trial)
  public void setUp() {
    GfKernel k = kernel.equals("vector") ? GfKernels.vectorOrNull() : GfKernels.scalar();
    if (k == null) {
      throw new IllegalStateException("the vector kernel needs --add-modules jdk.incubator.vector");
    }
    rs = MatrixCodec.reedSolomon(K, 4, k);
    raid6 = MatrixCodec.raid6(K, k);
    xor = MatrixCodec.xor(K, k);
    SplittableRandom rnd = new SplittableRandom(20261127);
    rsShards = new byte[K + 4][SHARD];
    for (int i = 0; i < K; i++) {
      for (int x = 0; x < SHARD; x++) {
        rsShards[i][x] = (byte) rnd.nextInt(256);
      }
    }
    pqShards = new byte[K + 2][];
    xorShards = new byte[K + 1][];
    for (int i = 0; i < K; i++) {
      pqShards[i] = rsShards[i];
      xorShards[i] = rsShards[i];
    }
    pqShards[K] = new byte[SHARD];
    pqShards[K + 1] = new byte[SHARD];
    xorShards[K] = new byte[SHARD];
    rs.encode(rsShards, 0, SHARD);
    // decode: data shards 0..3 lost, read 4..9 and the 4 parities
    present = new boolean[K + 4];
    java.util.Arrays.fill(present, true);
    for (int i = 0; i < 4; i++) {
      present[i] = false;
    }
    warmUp();
  }

  /**
   * Runs every operation on the first 16 KiB of each shard until the JIT has compiled the kernels.
   * Without this the first calls of 10 MiB run interpreted (the Vector API is ~1000x slower there,
   * so one call takes seconds), and JMH's warm-up iterations of a few seconds end before C2 has
   * compiled anything: what was measured was mostly interpreter and OSR code. ISA-L needs no JIT.
   */
  private void warmUp() {
    int len = 16 * 1024;
    for (int i = 0; i < 4000; i++) {
      rs.encode(rsShards, 0, len);
      rs.reconstructData(rsShards, present, 0, len);
      raid6.encode(pqShards, 0, len);
      xor.encode(xorShards, 0, len);
    }
    rs.encode(rsShards, 0, SHARD);
  }

  @Benchmark
  public byte[][] rs10x4Encode() {
    rs.encode(rsShards, 0, SHARD);
    return rsShards;
  }

  @Benchmark
  public byte[][] rs10x4Decode4Data() {
    rs.reconstructData(rsShards, present, 0, SHARD);
    return rsShards;
  }

  @Benchmark
  public byte[][] raid6PQ() {
    raid6.encode(pqShards, 0, SHARD);
    return pqShards;
  }

  @Benchmark
  public byte[][] raid5Xor() {
    xor.encode(xorShards, 0, SHARD);
    return xorShards;
  }
}
