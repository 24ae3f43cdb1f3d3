package io.datawarehouse.intelligence.search;

import io.datawarehouse.sdk.DwException;
import java.util.Locale;

/** How a search ranks documents. */
public enum SearchMode {
  /** Embedding similarity through the HNSW index (or an exact scan for a selective filter). */
  DENSE,
  /** BM25 over the analysed text. */
  LEXICAL,
  /** Both, each min-max normalised over its candidates and blended with weight alpha for dense. */
  HYBRID;

  /** The mode named {@code name} ("dense", "lexical", "hybrid"); null gives DENSE. */
  public static SearchMode parse(String name) {
    if (name == null) {
      return DENSE;
    }
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw DwException.invalidArgument("unknown search mode '" + name + "'; known: dense, lexical, hybrid");
    }
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
