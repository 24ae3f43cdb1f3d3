package io.datawarehouse.intelligence.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HnswIndexTest {
  private static final long SEED = 20261127L;
  private static final int N = 4000;
  private static final int DIM = 32;
  private static final SyntheticVectors DATA = SyntheticVectors.generate(N, 200, DIM, 20, SEED);

  @TempDir Path dir;

  static HnswIndex build(VectorSimilarity sim, float[][] base) {
    HnswIndex index = new HnswIndex(new HnswConfig(DIM, sim, 16, 100, 64, SEED));
    for (int i = 0; i < base.length; i++) {
      index.add(i, base[i]);
    }
    return index;
  }

  static long[][] searchAll(HnswIndex index, float[][] queries, int k, int ef, LongPredicate filter) {
    long[][] out = new long[queries.length][];
    for (int q = 0; q < queries.length; q++) {
      out[q] = index.search(queries[q], k, ef, filter).stream().mapToLong(Neighbor::id).toArray();
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(VectorSimilarity.class)
  void search_clusteredData_recallAtTenAbove95Percent(VectorSimilarity sim) {
    HnswIndex index = build(sim, DATA.base);
    int[][] truth = DATA.groundTruth(10, sim, null);
    double recall = SyntheticVectors.recall(truth, searchAll(index, DATA.queries, 10, 100, null));
    System.out.printf("recall@10 %s ef=100: %.4f (seed %d)%n", sim, recall, SEED);
    assertThat(recall).isGreaterThanOrEqualTo(0.95);
    assertThat(index.size()).isEqualTo(N);
  }

  @Test
  void search_resultsAreSortedAndScoredBySimilarity() {
    HnswIndex index = build(VectorSimilarity.DOT_PRODUCT, DATA.base);
    List<Neighbor> hits = index.search(DATA.queries[0], 10);
    assertThat(hits).hasSize(10);
    for (int i = 1; i < hits.size(); i++) {
      assertThat(hits.get(i).score()).isLessThanOrEqualTo(hits.get(i - 1).score());
    }
    Neighbor top = hits.get(0);
    assertThat(top.score()).isCloseTo(SyntheticVectors.score(DATA.queries[0], DATA.base[(int) top.id()],
        VectorSimilarity.DOT_PRODUCT), org.assertj.core.data.Offset.offset(1e-4f));
  }

  @Test
  void exactSearch_matchesBruteForce() {
    HnswIndex index = build(VectorSimilarity.EUCLIDEAN, DATA.base);
    int[][] truth = DATA.groundTruth(10, VectorSimilarity.EUCLIDEAN, null);
    long[][] exact = new long[DATA.queries.length][];
    for (int q = 0; q < exact.length; q++) {
      exact[q] = index.exactSearch(DATA.queries[q], 10, null).stream().mapToLong(Neighbor::id).toArray();
    }
    assertThat(SyntheticVectors.recall(truth, exact)).isGreaterThanOrEqualTo(0.999);
  }

  @Test
  void delete_thirdOfVectors_neverReturnedAndRecallKept() {
    HnswIndex index = build(VectorSimilarity.COSINE, DATA.base);
    Set<Long> deleted = new HashSet<>();
    SplittableRandom rnd = new SplittableRandom(SEED);
    while (deleted.size() < N / 3) {
      long id = rnd.nextInt(N);
      if (deleted.add(id)) {
        assertThat(index.delete(id)).isTrue();
      }
    }
    assertThat(index.delete(deleted.iterator().next())).isFalse();
    assertThat(index.size()).isEqualTo(N - deleted.size());
    int[][] truth = DATA.groundTruth(10, VectorSimilarity.COSINE, i -> !deleted.contains((long) i));
    long[][] got = searchAll(index, DATA.queries, 10, 100, null);
    for (long[] row : got) {
      for (long id : row) {
        assertThat(deleted).doesNotContain(id);
      }
    }
    double recall = SyntheticVectors.recall(truth, got);
    System.out.printf("recall@10 after deleting a third: %.4f%n", recall);
    assertThat(recall).isGreaterThanOrEqualTo(0.95);
    // compaction (automatic past a quarter) left no tombstones behind it and no link to a dead node
    index.compact();
    assertThat(index.tombstones()).isZero();
    assertThat(index.slots()).isEqualTo(index.size());
    for (long[] row : index.layerZeroForTest()) {
      for (int i = 1; i < row.length; i++) {
        assertThat(row[i]).isNotEqualTo(Long.MIN_VALUE);
        assertThat(deleted).doesNotContain(row[i]);
      }
    }
    assertThat(SyntheticVectors.recall(truth, searchAll(index, DATA.queries, 10, 100, null)))
        .isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void delete_fewVectors_tombstonesRouteUntilCompaction() {
    HnswIndex index = build(VectorSimilarity.COSINE, DATA.base);
    for (long id = 0; id < 50; id++) {
      index.delete(id);
    }
    assertThat(index.tombstones()).isEqualTo(50);
    Set<Long> deleted = new HashSet<>();
    for (long id = 0; id < 50; id++) {
      deleted.add(id);
    }
    int[][] truth = DATA.groundTruth(10, VectorSimilarity.COSINE, i -> i >= 50);
    assertThat(SyntheticVectors.recall(truth, searchAll(index, DATA.queries, 10, 100, null)))
        .isGreaterThanOrEqualTo(0.95);
    index.compact();
    assertThat(index.tombstones()).isZero();
    assertThat(SyntheticVectors.recall(truth, searchAll(index, DATA.queries, 10, 100, null)))
        .isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void add_existingId_replacesVectorAndKeepsRecall() {
    HnswIndex index = build(VectorSimilarity.DOT_PRODUCT, DATA.base);
    float[][] moved = DATA.base.clone();
    SyntheticVectors other = SyntheticVectors.generate(N / 5, 0, DIM, 20, SEED + 1);
    for (int i = 0; i < N / 5; i++) {
      int id = i * 5;
      moved[id] = other.base[i];
      index.add(id, other.base[i]);
    }
    assertThat(index.size()).isEqualTo(N);
    // the replaced vector is found under its id, with the new vector's score
    List<Neighbor> hit = index.search(other.base[3], 1, 100, null);
    assertThat(hit.get(0).id()).isEqualTo(15L);
    assertThat(index.vector(15)).containsExactly(other.base[3]);
    SyntheticVectors updated = new SyntheticVectorsView(moved, DATA.queries).view();
    int[][] truth = updated.groundTruth(10, VectorSimilarity.DOT_PRODUCT, null);
    double recall = SyntheticVectors.recall(truth, searchAll(index, DATA.queries, 10, 100, null));
    System.out.printf("recall@10 after updating a fifth: %.4f%n", recall);
    assertThat(recall).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void search_withFilter_returnsOnlyMatchingIdsWithRecallNearUnfiltered() {
    HnswIndex index = build(VectorSimilarity.COSINE, DATA.base);
    LongPredicate evenTenth = id -> id % 10 == 3; // 10% of the vectors
    int[][] truthAll = DATA.groundTruth(10, VectorSimilarity.COSINE, null);
    int[][] truthFiltered = DATA.groundTruth(10, VectorSimilarity.COSINE, i -> i % 10 == 3);
    double unfiltered = SyntheticVectors.recall(truthAll, searchAll(index, DATA.queries, 10, 100, null));
    long[][] got = searchAll(index, DATA.queries, 10, 100, evenTenth);
    for (long[] row : got) {
      assertThat(row).hasSize(10);
      for (long id : row) {
        assertThat(id % 10).isEqualTo(3);
      }
    }
    double filtered = SyntheticVectors.recall(truthFiltered, got);
    System.out.printf("recall@10 unfiltered %.4f, 10%% filter %.4f%n", unfiltered, filtered);
    assertThat(filtered).isGreaterThanOrEqualTo(unfiltered - 0.05);
  }

  @Test
  void saveLoad_roundTrip_identicalResults() {
    HnswIndex index = build(VectorSimilarity.EUCLIDEAN, DATA.base);
    index.delete(7);
    Path file = dir.resolve("index.hnsw");
    index.save(file, 1234L);
    HnswIndex loaded = HnswIndex.load(file);
    assertThat(loaded.checkpoint()).isEqualTo(1234L);
    assertThat(loaded.size()).isEqualTo(index.size());
    assertThat(loaded.config()).isEqualTo(index.config());
    for (float[] q : DATA.queries) {
      assertThat(loaded.search(q, 10, 50, null)).isEqualTo(index.search(q, 10, 50, null));
    }
    // the loaded index keeps working
    loaded.add(N + 1, DATA.queries[0]);
    assertThat(loaded.search(DATA.queries[0], 1).get(0).id()).isEqualTo(N + 1L);
  }

  @Test
  void load_corruptOrTruncatedFile_integrityErrorNamingFile() throws IOException {
    HnswIndex index = build(VectorSimilarity.COSINE, java.util.Arrays.copyOf(DATA.base, 300));
    Path file = dir.resolve("index.hnsw");
    index.save(file, 1);
    byte[] bytes = Files.readAllBytes(file);

    byte[] flipped = bytes.clone();
    flipped[bytes.length / 2] ^= 0x10;
    Path bad = dir.resolve("flipped.hnsw");
    Files.write(bad, flipped);
    assertThatThrownBy(() -> HnswIndex.load(bad))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INTEGRITY))
        .hasMessageContaining("flipped.hnsw");

    Path truncated = dir.resolve("truncated.hnsw");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    assertThatThrownBy(() -> HnswIndex.load(truncated))
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INTEGRITY))
        .hasMessageContaining("truncated.hnsw");

    byte[] version = bytes.clone();
    version[5] = 9;
    Path future = dir.resolve("future.hnsw");
    Files.write(future, version);
    assertThatThrownBy(() -> HnswIndex.load(future))
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INTEGRITY))
        .hasMessageContaining("version 9");

    assertThatThrownBy(() -> HnswIndex.load(dir.resolve("missing.hnsw")))
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
  }

  @Test
  void add_fromFourThreads_allPresentAndRecallKept() throws Exception {
    HnswIndex index = new HnswIndex(new HnswConfig(DIM, VectorSimilarity.DOT_PRODUCT, 16, 100, 64, SEED));
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int first = t;
      workers.add(Thread.ofPlatform().name("hnsw-insert-" + t).start(() -> {
        try {
          start.await();
          for (int i = first; i < N; i += threads) {
            index.add(i, DATA.base[i]);
            if (i % 97 == 0) {
              index.search(DATA.queries[i % DATA.queries.length], 5); // searches run beside inserts
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    assertThat(failure.get()).isNull();
    assertThat(index.size()).isEqualTo(N);
    for (int i = 0; i < N; i++) {
      assertThat(index.contains(i)).isTrue();
    }
    int[][] truth = DATA.groundTruth(10, VectorSimilarity.DOT_PRODUCT, null);
    double recall = SyntheticVectors.recall(truth, searchAll(index, DATA.queries, 10, 100, null));
    System.out.printf("recall@10 after 4-thread build: %.4f%n", recall);
    assertThat(recall).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void add_badVectors_rejectedAndIndexUnchanged() {
    HnswIndex index = new HnswIndex(HnswConfig.of(3, VectorSimilarity.COSINE));
    assertThatThrownBy(() -> index.add(1, new float[] {1, 2}))
        .hasMessageContaining("dimension must be 3, was 2");
    assertThatThrownBy(() -> index.add(1, new float[] {1, Float.NaN, 0}))
        .hasMessageContaining("component 1 is NaN");
    assertThatThrownBy(() -> index.add(1, new float[] {0, 0, 0}))
        .hasMessageContaining("zero vector");
    assertThat(index.size()).isZero();
    assertThat(index.search(new float[] {1, 0, 0}, 3)).isEmpty();
    assertThatThrownBy(() -> index.search(new float[] {1, 0, 0}, 0)).hasMessageContaining("k must be >= 1");
    assertThatThrownBy(() -> new HnswConfig(3, VectorSimilarity.COSINE, 1, 100, 10, 0))
        .hasMessageContaining("M must be in 2..512, was 1");
  }

  @Test
  void add_sameInsertsSameOrder_sameGraph() {
    HnswIndex a = build(VectorSimilarity.COSINE, java.util.Arrays.copyOf(DATA.base, 500));
    HnswIndex b = build(VectorSimilarity.COSINE, java.util.Arrays.copyOf(DATA.base, 500));
    List<long[]> la = a.layerZeroForTest();
    List<long[]> lb = b.layerZeroForTest();
    assertThat(la).hasSameSizeAs(lb);
    for (int i = 0; i < la.size(); i++) {
      assertThat(la.get(i)).containsExactly(lb.get(i));
    }
  }

  /** A dataset over given arrays, for ground truth after updates. */
  private record SyntheticVectorsView(float[][] base, float[][] queries) {
    SyntheticVectors view() {
      return SyntheticVectors.of(base, queries);
    }
  }
}
