package io.datawarehouse.intelligence.vector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The recall check at full size: 100k x 128 clustered vectors (100 centres), 1k queries,
 * M = 16, efConstruction = 100, built from two threads; recall@10 against brute force must reach
 * 0.95 and 0.99 for every similarity.
 */
class HnswIndexIT {
  private static final long SEED = 42L;
  private static final SyntheticVectors DATA = SyntheticVectors.generate(100_000, 1_000, 128, 100, SEED);

  @ParameterizedTest
  @EnumSource(VectorSimilarity.class)
  void search_100kBy128_recallGoalsReached(VectorSimilarity sim) throws Exception {
    HnswIndex index = new HnswIndex(new HnswConfig(128, sim, 16, 100, 64, SEED));
    long t0 = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int first = t;
      threads.add(Thread.ofPlatform().name("hnsw-it-build-" + t).start(() -> {
        for (int i = first; i < DATA.base.length; i += 2) {
          index.add(i, DATA.base[i]);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    long buildMs = (System.nanoTime() - t0) / 1_000_000;
    int[][] truth = DATA.groundTruth(10, sim, null);
    double r64 = SyntheticVectors.recall(truth, HnswIndexTest.searchAll(index, DATA.queries, 10, 64, null));
    double r256 = SyntheticVectors.recall(truth, HnswIndexTest.searchAll(index, DATA.queries, 10, 256, null));
    System.out.printf("%s: build %d ms (2 threads), recall@10 ef=64 %.4f, ef=256 %.4f%n", sim, buildMs, r64, r256);
    assertThat(index.size()).isEqualTo(DATA.base.length);
    assertThat(r64).isGreaterThanOrEqualTo(0.95);
    assertThat(r256).isGreaterThanOrEqualTo(0.99);
  }
}
