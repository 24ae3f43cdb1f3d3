package io.datawarehouse.sdk.config;

import io.datawarehouse.sdk.DwException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Common {@link ConfigDef.Validator}s. Each error names the key, the value and what is allowed. */
public final class Validators {
  private Validators() {}

  /** A number in [min, max]. */
  public static ConfigDef.Validator range(long min, long max) {
    return (path, v) -> {
      long x = ((Number) v).longValue();
      if (x < min || x > max) {
        throw DwException.invalidArgument("'" + path + "' must be between " + min + " and " + max + ", was " + v);
      }
    };
  }

  /** A floating-point number in [min, max]. */
  public static ConfigDef.Validator range(double min, double max) {
    return (path, v) -> {
      double x = ((Number) v).doubleValue();
      if (x < min || x > max) {
        throw DwException.invalidArgument("'" + path + "' must be between " + min + " and " + max + ", was " + v);
      }
    };
  }

  /** A number >= 1. */
  public static ConfigDef.Validator positive() {
    return range(1, Long.MAX_VALUE);
  }

  /** A power of two (sizes). */
  public static ConfigDef.Validator powerOfTwo() {
    return (path, v) -> {
      long x = ((Number) v).longValue();
      if (x <= 0 || Long.bitCount(x) != 1) {
        throw DwException.invalidArgument("'" + path + "' must be a power of two, was " + v);
      }
    };
  }

  /** One of the given strings (case-insensitive). */
  public static ConfigDef.Validator oneOf(String... allowed) {
    List<String> lower = Arrays.stream(allowed).map(s -> s.toLowerCase(Locale.ROOT)).toList();
    return (path, v) -> {
      if (!lower.contains(String.valueOf(v).toLowerCase(Locale.ROOT))) {
        throw DwException.invalidArgument("'" + path + "' must be one of " + String.join(", ", allowed) + ", was '" + v + "'");
      }
    };
  }

  /** A non-blank string. */
  public static ConfigDef.Validator nonBlank() {
    return (path, v) -> {
      if (String.valueOf(v).isBlank()) {
        throw DwException.invalidArgument("'" + path + "' must not be empty");
      }
    };
  }

  /** A duration that is not negative. */
  public static ConfigDef.Validator nonNegativeDuration() {
    return (path, v) -> {
      if (((Duration) v).isNegative()) {
        throw DwException.invalidArgument("'" + path + "' must not be negative, was " + v);
      }
    };
  }

  /** A TCP port, 0 (any free port) to 65535. */
  public static ConfigDef.Validator port() {
    return range(0, 65535);
  }
}
