package io.datawarehouse.bench.intelligence;

import io.datawarehouse.intelligence.embedding.EmbeddingOptions;
import io.datawarehouse.intelligence.embedding.EmbeddingProvider;
import io.datawarehouse.intelligence.embedding.EmbeddingProviders;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Texts embedded per second by the deterministic hash provider and by the ONNX model
 * (all-MiniLM-L6-v2, ONNX Runtime on the CPU), side by side in one run: batches of 32 texts of
 * 40 words (about 50-60 tokens) drawn from a fixed vocabulary with a fixed seed. One op = one text.
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar EmbeddingThroughputBenchmark -f 1 -wi 2 -i 3
 * -r 2s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class EmbeddingThroughputBenchmark {
  static final int BATCH = 32;
  private static final String[] WORDS = ("the a disk array rebuild parity stripe backup restore encrypted snapshot "
      + "query index vector search latency throughput cluster node replica stream window event schema column "
      + "table record retention policy ledger audit checksum network packet router service deploy canary").split(" ");

  @Param({"hash", "onnx"})
  public String provider;

  private EmbeddingProvider embeddings;
  private List<List<String>> batches;
  private int next;

  @Setup(Level.Trial)
  public void setup() {
    embeddings = EmbeddingProviders.open(EmbeddingOptions.defaults().withProvider(provider));
    SplittableRandom rnd = new SplittableRandom(7);
    batches = new ArrayList<>();
    for (int b = 0; b < 16; b++) {
      List<String> texts = new ArrayList<>();
      for (int t = 0; t < BATCH; t++) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < 40; w++) {
          sb.append(WORDS[rnd.nextInt(WORDS.length)]).append(w % 12 == 11 ? ". " : " ");
        }
        texts.add(sb.toString().trim());
      }
      batches.add(texts);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    embeddings.close();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public List<float[]> embedBatch() {
    List<String> texts = batches.get(next);
    next = (next + 1) % batches.size();
    return embeddings.embedBatch(texts);
  }
}
