package io.datawarehouse.intelligence.search.internal;

import io.datawarehouse.intelligence.internal.VectorMath;
import java.util.SplittableRandom;

/**
 * Spherical k-means (cosine k-means over unit vectors): k-means++ seeding from a seeded generator
 * (so the same vectors give the same clusters), then Lloyd iterations assigning each vector to the
 * centroid of highest dot product and re-normalising the means, until no assignment changes or
 * {@code maxIterations}. An emptied cluster is re-seeded with the vector farthest from its
 * centroid.
 */
public final class KMeans {
  private KMeans() {}

  /** Centroids and assignments. */
  public record Result(float[][] centroids, int[] assignment, int iterations) {}

  /** Clusters {@code vectors} (unit length, all of one dimension) into {@code k} clusters. */
  public static Result cluster(float[][] vectors, int k, int maxIterations, long seed) {
    int n = vectors.length;
    if (n == 0 || k < 1) {
      return new Result(new float[0][], new int[n], 0);
    }
    k = Math.min(k, n);
    int dim = vectors[0].length;
    SplittableRandom rnd = new SplittableRandom(seed);
    float[][] c = new float[k][];
    c[0] = vectors[rnd.nextInt(n)].clone();
    double[] d2 = new double[n];
    for (int j = 1; j < k; j++) {
      double total = 0;
      for (int i = 0; i < n; i++) {
        double best = Double.MAX_VALUE;
        for (int m = 0; m < j; m++) {
          best = Math.min(best, Math.max(0, 1 - dot(vectors[i], c[m])));
        }
        d2[i] = best * best;
        total += d2[i];
      }
      int pick = 0;
      if (total > 0) {
        double r = rnd.nextDouble() * total;
        while (pick < n - 1 && (r -= d2[pick]) > 0) {
          pick++;
        }
      } else {
        pick = rnd.nextInt(n);
      }
      c[j] = vectors[pick].clone();
    }
    int[] assign = new int[n];
    java.util.Arrays.fill(assign, -1);
    int it = 0;
    for (; it < maxIterations; it++) {
      boolean changed = false;
      for (int i = 0; i < n; i++) {
        int best = nearest(c, vectors[i]);
        if (best != assign[i]) {
          assign[i] = best;
          changed = true;
        }
      }
      if (!changed) {
        break;
      }
      float[][] sums = new float[k][dim];
      int[] counts = new int[k];
      for (int i = 0; i < n; i++) {
        counts[assign[i]]++;
        float[] s = sums[assign[i]];
        for (int d = 0; d < dim; d++) {
          s[d] += vectors[i][d];
        }
      }
      for (int j = 0; j < k; j++) {
        if (counts[j] == 0) {
          int far = 0;
          float worst = Float.MAX_VALUE;
          for (int i = 0; i < n; i++) {
            float s = dot(vectors[i], c[assign[i]]);
            if (s < worst) {
              worst = s;
              far = i;
            }
          }
          sums[j] = vectors[far].clone();
          assign[far] = j;
        }
        c[j] = VectorMath.normalizeInPlace(sums[j]);
      }
    }
    return new Result(c, assign, it);
  }

  /** The index of the centroid closest (highest dot product) to {@code v}. */
  public static int nearest(float[][] centroids, float[] v) {
    int best = 0;
    float bestScore = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < centroids.length; j++) {
      float s = dot(centroids[j], v);
      if (s > bestScore) {
        bestScore = s;
        best = j;
      }
    }
    return best;
  }

  private static float dot(float[] a, float[] b) {
    return VectorMath.dot(a, b);
  }
}
