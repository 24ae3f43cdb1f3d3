package io.datawarehouse.intelligence.search;

import io.datawarehouse.sdk.DwException;
import java.util.Map;

/**
 * A search over one collection.
 *
 * @param text the query text (embedded for dense search, analysed for lexical); may be null when
 *     {@code vector} is given
 * @param vector a query vector of the collection's dimension instead of text (dense mode only)
 * @param k how many hits, 1..1000
 * @param filter metadata equality filter: every key must match; a list value matches any of its
 *     elements; null or empty for none
 * @param mode dense, lexical or hybrid
 * @param alpha weight of the dense score in hybrid mode, 0..1
 * @param ef HNSW candidate list size, 0 for the collection's default
 * @param clusters route the search to the documents of this many topic clusters nearest the
 *     query (0 searches everything)
 */
public record SearchQuery(String text, float[] vector, int k, Map<String, Object> filter, SearchMode mode,
    double alpha, int ef, int clusters) {
  public SearchQuery {
    if (k < 1 || k > 1000) {
      throw DwException.invalidArgument("k must be in 1..1000, was " + k);
    }
    if ((text == null || text.isBlank()) && vector == null) {
      throw DwException.invalidArgument("a search needs a query text or a query vector");
    }
    mode = mode == null ? SearchMode.DENSE : mode;
    if (mode != SearchMode.DENSE && (text == null || text.isBlank())) {
      throw DwException.invalidArgument(mode.wireName() + " search needs a query text (a vector alone can only be"
          + " searched in dense mode)");
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw DwException.invalidArgument("alpha must be in 0..1, was " + alpha);
    }
    if (ef < 0 || ef > 10_000) {
      throw DwException.invalidArgument("ef must be in 0..10000, was " + ef);
    }
    if (clusters < 0) {
      throw DwException.invalidArgument("clusters must be >= 0, was " + clusters);
    }
    filter = filter == null ? Map.of() : Map.copyOf(filter);
  }

  /** A dense text query for the top k. */
  public static SearchQuery text(String text, int k) {
    return new SearchQuery(text, null, k, null, SearchMode.DENSE, 0.5, 0, 0);
  }

  public SearchQuery withMode(SearchMode m) {
    return new SearchQuery(text, vector, k, filter, m, alpha, ef, clusters);
  }

  public SearchQuery withFilter(Map<String, Object> f) {
    return new SearchQuery(text, vector, k, f, mode, alpha, ef, clusters);
  }

  public SearchQuery withClusters(int c) {
    return new SearchQuery(text, vector, k, filter, mode, alpha, ef, c);
  }
}
