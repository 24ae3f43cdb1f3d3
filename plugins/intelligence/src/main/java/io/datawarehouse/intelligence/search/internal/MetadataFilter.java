package io.datawarehouse.intelligence.search.internal;

import java.util.List;
import java.util.Map;

/**
 * Metadata equality filters: every filter key must be present and equal; a filter value that is
 * a list matches any of its elements; a metadata value that is a list matches when any element
 * does. Numbers compare by value (1 equals 1.0), everything else by {@code equals}.
 */
public final class MetadataFilter {
  private MetadataFilter() {}

  /** Whether {@code metadata} passes {@code filter} (an empty filter passes everything). */
  public static boolean matches(Map<String, Object> metadata, Map<String, Object> filter) {
    for (Map.Entry<String, Object> f : filter.entrySet()) {
      Object actual = metadata.get(f.getKey());
      if (actual == null || !matchesValue(actual, f.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static boolean matchesValue(Object actual, Object wanted) {
    if (wanted instanceof List<?> anyOf) {
      for (Object w : anyOf) {
        if (matchesValue(actual, w)) {
          return true;
        }
      }
      return false;
    }
    if (actual instanceof List<?> values) {
      for (Object a : values) {
        if (same(a, wanted)) {
          return true;
        }
      }
      return false;
    }
    return same(actual, wanted);
  }

  private static boolean same(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return Double.compare(x.doubleValue(), y.doubleValue()) == 0;
    }
    return a != null && a.equals(b);
  }
}
