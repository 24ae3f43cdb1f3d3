package io.datawarehouse.intelligence.memory.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.Map;

/**
 * The canonical form of metadata values, so that equality does not depend on how a number was
 * parsed: integral numbers become {@link LongNode} (or {@link BigIntegerNode} beyond 64 bits), all
 * other numbers {@link DoubleNode}; containers are copied deeply. JSON read back from storage and
 * values built in code then compare equal exactly when they denote the same value.
 */
public final class JsonValues {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private JsonValues() {}

  /** {@code v} in canonical form; null (Java) becomes JSON null. */
  public static JsonNode canonical(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return F.nullNode();
    }
    if (v.isNumber()) {
      if (v.isIntegralNumber()) {
        BigInteger b = v.bigIntegerValue();
        return b.compareTo(LONG_MIN) >= 0 && b.compareTo(LONG_MAX) <= 0 ? LongNode.valueOf(b.longValue()) : BigIntegerNode.valueOf(b);
      }
      double d = v.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
        return LongNode.valueOf((long) d);
      }
      return DoubleNode.valueOf(d);
    }
    if (v.isArray()) {
      ArrayNode a = F.arrayNode(v.size());
      for (JsonNode e : v) {
        a.add(canonical(e));
      }
      return a;
    }
    if (v.isObject()) {
      ObjectNode o = F.objectNode();
      for (Map.Entry<String, JsonNode> e : v.properties()) {
        o.set(e.getKey(), canonical(e.getValue()));
      }
      return o;
    }
    return v.deepCopy();
  }
}
