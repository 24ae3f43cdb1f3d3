package io.datawarehouse.bench.intelligence;

import io.datawarehouse.intelligence.vector.HnswIndex;
import io.datawarehouse.intelligence.vector.SyntheticVectors;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to build an HNSW graph over the 100k x 128 dataset (M = 16, efConstruction = 100),
 * ours beside Lucene's, from 1 and 2 threads. Lucene with 1 thread: one indexing thread, one
 * segment; with 2: two indexing threads (two segments) merged to one with two HNSW merge workers,
 * in memory ({@code ByteBuffersDirectory}). One op = one whole build.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... org.openjdk.jmh.Main
 * HnswBuildBenchmark -f 1 -wi 0 -i 1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
@Warmup(iterations = 0)
@Measurement(iterations = 1)
public class HnswBuildBenchmark {

  @Param({"dw", "lucene"})
  public String library;

  @Param({"1", "2"})
  public int threads;

  private SyntheticVectors data;

  @Setup(Level.Trial)
  public void setup() {
    data = HnswBenchData.dataset();
  }

  @Benchmark
  public Object build() throws Exception {
    if (library.equals("dw")) {
      HnswIndex index = HnswBenchData.buildDw(data, threads);
      return index.size();
    }
    try (Directory dir = new ByteBuffersDirectory()) {
      HnswBenchData.buildLucene(data, dir, threads);
      return dir.listAll().length;
    }
  }
}
