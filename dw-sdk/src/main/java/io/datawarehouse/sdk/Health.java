package io.datawarehouse.sdk;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The health of a plugin, a backend or the whole kernel: a {@link Status}, a one-line message a
 * person can act on, details (JSON-friendly values: strings, numbers, booleans, lists, maps) and
 * named components (a plugin's backends, the kernel's plugins), each a Health of its own.
 *
 * <p>Immutable. Build with {@link #up()}, {@link #degraded(String)}, {@link #down(String)} and
 * the {@code with*} methods, or {@link #aggregate(String, Map)} for the worst of several.
 *
 * @param status overall status
 * @param message one line, never null (empty when there is nothing to say)
 * @param details JSON-friendly details, in insertion order
 * @param components named sub-healths, in insertion order
 */
public record Health(
    Status status, String message, Map<String, Object> details, Map<String, Health> components) {

  /** Ordered from best to worst: {@code compareTo} gives severity. */
  public enum Status {
    /** Everything works as configured. */
    UP,
    /** Working, but not as configured: a backend is down and a fallback serves, a disk failed. */
    DEGRADED,
    /** Not working. */
    DOWN;

    /** The more severe of the two. */
    public Status worst(Status other) {
      return compareTo(other) >= 0 ? this : other;
    }
  }

  public Health {
    Objects.requireNonNull(status, "status");
    message = message == null ? "" : message;
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details == null ? Map.of() : details));
    components =
        Collections.unmodifiableMap(new LinkedHashMap<>(components == null ? Map.of() : components));
  }

  public static Health up() {
    return new Health(Status.UP, "", Map.of(), Map.of());
  }

  public static Health up(String message) {
    return new Health(Status.UP, message, Map.of(), Map.of());
  }

  public static Health degraded(String message) {
    return new Health(Status.DEGRADED, message, Map.of(), Map.of());
  }

  public static Health down(String message) {
    return new Health(Status.DOWN, message, Map.of(), Map.of());
  }

  /** DOWN with the cause's class and message appended (never its stack trace). */
  public static Health down(String message, Throwable cause) {
    return down(message + ": " + describe(cause));
  }

  /**
   * The worst status of {@code components} (UP when there are none), with those components and
   * {@code message}.
   */
  public static Health aggregate(String message, Map<String, Health> components) {
    Status s = Status.UP;
    for (Health h : components.values()) {
      s = s.worst(h.status());
    }
    return new Health(s, message, Map.of(), components);
  }

  /** This health with one more detail. */
  public Health withDetail(String key, Object value) {
    Map<String, Object> d = new LinkedHashMap<>(details);
    d.put(key, value);
    return new Health(status, message, d, components);
  }

  /** This health with more details. */
  public Health withDetails(Map<String, ?> more) {
    Map<String, Object> d = new LinkedHashMap<>(details);
    d.putAll(more);
    return new Health(status, message, d, components);
  }

  /**
   * This health with one more component; the status becomes the worse of this status and the
   * component's.
   */
  public Health withComponent(String name, Health component) {
    Map<String, Health> c = new LinkedHashMap<>(components);
    c.put(name, component);
    return new Health(status.worst(component.status()), message, details, c);
  }

  public boolean isUp() {
    return status == Status.UP;
  }

  /** "ClassName: message" of a throwable, following causes that add information. */
  public static String describe(Throwable t) {
    if (t == null) {
      return "unknown cause";
    }
    StringBuilder sb = new StringBuilder();
    Throwable cur = t;
    int depth = 0;
    String last = null;
    while (cur != null && depth++ < 4) {
      String m = cur instanceof DwException dw ? dw.code().wire() + ": " + dw.getMessage()
          : cur.getClass().getSimpleName() + (cur.getMessage() == null ? "" : ": " + cur.getMessage());
      if (last == null || !last.contains(String.valueOf(cur.getMessage()))) {
        if (sb.length() > 0) {
          sb.append(" (caused by ");
        }
        sb.append(m);
      }
      last = m;
      cur = cur.getCause();
    }
    int open = sb.toString().split("\\(caused by ", -1).length - 1;
    sb.append(")".repeat(open));
    return sb.toString();
  }
}
