package io.datawarehouse.streaming.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Durations;
import io.datawarehouse.sdk.json.Json;
import java.util.Set;

/**
 * Lets specs write durations as people do ("500ms", "30s", "5m", as in {@code dw.yaml}): the
 * values of known duration fields are rewritten to ISO-8601 before the tree is read.
 */
public final class DurationFields {
  private static final Set<String> NAMES = Set.of("maxOutOfOrderness", "idleTimeout", "allowedLateness", "size",
      "slide", "gap", "timeout", "cacheTtl", "negativeTtl", "backoff");

  private DurationFields() {}

  /** A copy of {@code tree} with every duration field in ISO-8601. */
  public static JsonNode normalize(JsonNode tree, String what) {
    if (tree == null) {
      return null;
    }
    if (tree.isObject()) {
      ObjectNode o = Json.object();
      tree.properties().forEach(e -> {
        JsonNode v = e.getValue();
        if (NAMES.contains(e.getKey()) && (v.isTextual() || v.isNumber())) {
          try {
            o.put(e.getKey(), Durations.parse(v.asText()).toString());
          } catch (DwException ex) {
            throw DwException.invalidArgument(what + ": field '" + e.getKey() + "': " + ex.getMessage());
          }
        } else {
          o.set(e.getKey(), normalize(v, what));
        }
      });
      return o;
    }
    if (tree.isArray()) {
      ArrayNode a = Json.mapper().createArrayNode();
      tree.forEach(x -> a.add(normalize(x, what)));
      return a;
    }
    return tree;
  }
}
