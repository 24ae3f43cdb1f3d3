package io.datawarehouse.intelligence.vector;

import io.datawarehouse.sdk.DwException;

/**
 * The parameters of an {@link HnswIndex}, named as in Malkov and Yashunin's paper.
 *
 * @param dimension vector length, 1..65536
 * @param similarity how vectors are compared
 * @param m the number of links a node gets per upper layer ({@code M}); layer 0 allows
 *     {@code 2 * M} ({@code M_max0}). 2..512; 16 is a good default
 * @param efConstruction the candidate list size while inserting; higher builds a better graph
 *     more slowly. At least {@code m}
 * @param efSearch the default candidate list size of a search (raised to k when k is larger)
 * @param seed seeds the level assignment, so the same inserts in the same order give the same
 *     graph
 */
public record HnswConfig(
    int dimension, VectorSimilarity similarity, int m, int efConstruction, int efSearch, long seed) {

  /** Defaults of the paper's experiments: M = 16, efConstruction = 100, efSearch = 64. */
  public static HnswConfig of(int dimension, VectorSimilarity similarity) {
    return new HnswConfig(dimension, similarity, 16, 100, 64, 42L);
  }

  public HnswConfig {
    if (dimension < 1 || dimension > 65536) {
      throw DwException.invalidArgument("dimension must be in 1..65536, was " + dimension);
    }
    if (similarity == null) {
      throw DwException.invalidArgument("similarity is required");
    }
    if (m < 2 || m > 512) {
      throw DwException.invalidArgument("M must be in 2..512, was " + m);
    }
    if (efConstruction < m || efConstruction > 100_000) {
      throw DwException.invalidArgument("efConstruction must be in M.." + 100_000 + " (M=" + m + "), was " + efConstruction);
    }
    if (efSearch < 1 || efSearch > 100_000) {
      throw DwException.invalidArgument("efSearch must be in 1..100000, was " + efSearch);
    }
  }

  public HnswConfig withM(int newM) {
    return new HnswConfig(dimension, similarity, newM, Math.max(efConstruction, newM), efSearch, seed);
  }

  public HnswConfig withEfConstruction(int ef) {
    return new HnswConfig(dimension, similarity, m, ef, efSearch, seed);
  }

  public HnswConfig withEfSearch(int ef) {
    return new HnswConfig(dimension, similarity, m, efConstruction, ef, seed);
  }

  public HnswConfig withSeed(long newSeed) {
    return new HnswConfig(dimension, similarity, m, efConstruction, efSearch, newSeed);
  }
}
