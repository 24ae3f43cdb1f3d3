package io.datawarehouse.intelligence.search;

import io.datawarehouse.sdk.DwException;
import java.util.Map;

/**
 * A document to index.
 *
 * @param id the caller's id, 1..512 characters; indexing an existing id replaces it
 * @param text the text that is embedded and analysed
 * @param metadata JSON-friendly values (strings, numbers, booleans, lists) that filters match on;
 *     null for none
 */
public record SearchDocument(String id, String text, Map<String, Object> metadata) {
  public SearchDocument {
    if (id == null || id.isEmpty() || id.length() > 512) {
      throw DwException.invalidArgument("document id must be 1..512 characters, was "
          + (id == null ? "null" : id.length() + " characters"));
    }
    if (text == null) {
      throw DwException.invalidArgument("document '" + id + "' has no text");
    }
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
