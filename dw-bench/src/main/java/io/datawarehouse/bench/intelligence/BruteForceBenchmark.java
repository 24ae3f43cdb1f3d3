package io.datawarehouse.bench.intelligence;

import io.datawarehouse.intelligence.vector.SyntheticVectors;
import io.datawarehouse.intelligence.vector.internal.VectorKernel;
import io.datawarehouse.intelligence.vector.internal.VectorKernels;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Exact top-10 by dot product over the 100k x 128 base vectors, one query per op, with the Vector
 * API kernel beside the scalar one: the floor the HNSW index is measured against (its speed-up is
 * HNSW QPS / this QPS).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... org.openjdk.jmh.Main
 * BruteForceBenchmark -f 1 -wi 2 -i 3 -r 2s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class BruteForceBenchmark {

  @Param({"vector-api", "scalar"})
  public String kernel;

  private VectorKernel k;
  private float[] flat;
  private float[][] queries;
  private int next;
  private final int[] ids = new int[HnswBenchData.K];
  private final float[] scores = new float[HnswBenchData.K];

  @Setup
  public void setup() {
    k = kernel.equals("scalar") ? VectorKernels.scalar() : VectorKernels.get();
    SyntheticVectors data = HnswBenchData.dataset();
    flat = new float[data.base.length * HnswBenchData.DIM];
    for (int i = 0; i < data.base.length; i++) {
      System.arraycopy(data.base[i], 0, flat, i * HnswBenchData.DIM, HnswBenchData.DIM);
    }
    queries = data.queries;
  }

  @Benchmark
  public int[] search() {
    float[] q = queries[next];
    next = next + 1 == queries.length ? 0 : next + 1;
    java.util.Arrays.fill(scores, Float.NEGATIVE_INFINITY);
    int dim = HnswBenchData.DIM;
    int n = flat.length / dim;
    int last = HnswBenchData.K - 1;
    for (int i = 0; i < n; i++) {
      float s = k.dot(q, 0, flat, i * dim, dim);
      if (s > scores[last]) {
        int j = last;
        while (j > 0 && scores[j - 1] < s) {
          scores[j] = scores[j - 1];
          ids[j] = ids[j - 1];
          j--;
        }
        scores[j] = s;
        ids[j] = i;
      }
    }
    return ids;
  }
}
