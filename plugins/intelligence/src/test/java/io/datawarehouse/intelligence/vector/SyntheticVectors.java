package io.datawarehouse.intelligence.vector;

import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The synthetic dataset: {@code clusters} Gaussian centres in R^dim (each component
 * N(0, 1)), each point a random centre plus N(0, I) noise, L2-normalised; base vectors and queries
 * drawn the same way from one seeded generator. Ground truth is the exact top-k by dot product.
 * Shared by the tests and (through the test jar) the dw-bench benchmarks.
 */
public final class SyntheticVectors {
  public final float[][] base;
  public final float[][] queries;
  public final long seed;

  private SyntheticVectors(float[][] base, float[][] queries, long seed) {
    this.base = base;
    this.queries = queries;
    this.seed = seed;
  }

  /** A dataset over given vectors (for ground truth after updates). */
  public static SyntheticVectors of(float[][] base, float[][] queries) {
    return new SyntheticVectors(base, queries, 0);
  }

  /** The dataset for {@code seed}; identical on every machine and run. */
  public static SyntheticVectors generate(int baseCount, int queryCount, int dim, int clusters, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[][] centres = new float[clusters][dim];
    for (float[] c : centres) {
      for (int i = 0; i < dim; i++) {
        c[i] = (float) rnd.nextGaussian();
      }
    }
    float[][] base = points(rnd, centres, baseCount, dim);
    float[][] queries = points(rnd, centres, queryCount, dim);
    return new SyntheticVectors(base, queries, seed);
  }

  private static float[][] points(SplittableRandom rnd, float[][] centres, int count, int dim) {
    float[][] out = new float[count][dim];
    for (float[] p : out) {
      float[] c = centres[rnd.nextInt(centres.length)];
      double sum = 0;
      for (int i = 0; i < dim; i++) {
        p[i] = c[i] + (float) rnd.nextGaussian();
        sum += (double) p[i] * p[i];
      }
      float inv = (float) (1 / Math.sqrt(sum));
      for (int i = 0; i < dim; i++) {
        p[i] *= inv;
      }
    }
    return out;
  }

  /**
   * The exact top-{@code k} ids (array indexes) of every query under {@code similarity}, computed
   * in parallel with plain double-free float loops; {@code accept} null or which base ids count.
   */
  public int[][] groundTruth(int k, VectorSimilarity similarity, java.util.function.IntPredicate accept) {
    int[][] truth = new int[queries.length][];
    IntStream.range(0, queries.length).parallel().forEach(q -> truth[q] = exact(queries[q], k, similarity, accept));
    return truth;
  }

  private int[] exact(float[] q, int k, VectorSimilarity similarity, java.util.function.IntPredicate accept) {
    int[] ids = new int[k];
    float[] scores = new float[k];
    java.util.Arrays.fill(scores, Float.NEGATIVE_INFINITY);
    java.util.Arrays.fill(ids, -1);
    for (int i = 0; i < base.length; i++) {
      if (accept != null && !accept.test(i)) {
        continue;
      }
      float s = score(q, base[i], similarity);
      if (s > scores[k - 1]) {
        int j = k - 1;
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

  static float score(float[] a, float[] b, VectorSimilarity similarity) {
    float s = 0;
    if (similarity == VectorSimilarity.EUCLIDEAN) {
      for (int i = 0; i < a.length; i++) {
        float d = a[i] - b[i];
        s += d * d;
      }
      return -s;
    }
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return similarity == VectorSimilarity.COSINE ? (float) (s / Math.sqrt(na * nb)) : s;
  }

  /** Mean recall@k of {@code results} (ids per query) against {@code truth}. */
  public static double recall(int[][] truth, long[][] results) {
    long hit = 0;
    long total = 0;
    for (int q = 0; q < truth.length; q++) {
      java.util.Set<Long> want = new java.util.HashSet<>();
      for (int id : truth[q]) {
        if (id >= 0) {
          want.add((long) id);
        }
      }
      total += want.size();
      for (long id : results[q]) {
        if (want.contains(id)) {
          hit++;
        }
      }
    }
    return total == 0 ? 1.0 : (double) hit / total;
  }
}
