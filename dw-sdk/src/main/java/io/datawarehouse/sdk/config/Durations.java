package io.datawarehouse.sdk.config;

import io.datawarehouse.sdk.DwException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Durations as people write them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d},
 * {@code 1m30s}, or ISO-8601 ({@code PT30S}). {@code 0} needs no unit.
 */
public final class Durations {
  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws DwException INVALID_ARGUMENT with the accepted forms when {@code text} is not one
   */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw bad(text);
    }
    String s = text.trim().toLowerCase(Locale.ROOT);
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.startsWith("p")) {
      try {
        return Duration.parse(s.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw bad(text);
      }
    }
    Duration total = Duration.ZERO;
    int i = 0;
    boolean any = false;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && Character.isDigit(s.charAt(i))) {
        i++;
      }
      if (start == i) {
        throw bad(text);
      }
      long n;
      try {
        n = Long.parseLong(s.substring(start, i));
      } catch (NumberFormatException e) {
        throw bad(text);
      }
      int ustart = i;
      while (i < s.length() && Character.isLetter(s.charAt(i))) {
        i++;
      }
      String unit = s.substring(ustart, i);
      try {
        total = total.plus(switch (unit) {
          case "ns" -> Duration.ofNanos(n);
          case "us" -> Duration.ofNanos(Math.multiplyExact(n, 1000L));
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m", "min" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          case "d" -> Duration.ofDays(n);
          default -> throw bad(text);
        });
      } catch (ArithmeticException e) {
        throw bad(text);
      }
      any = true;
    }
    if (!any) {
      throw bad(text);
    }
    return total;
  }

  /** A duration for people: {@code 1.5s}, {@code 250ms}, {@code 2h 5m}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    long s = d.toSeconds();
    if (s < 3600) {
      return (s / 60) + "m " + (s % 60) + "s";
    }
    return (s / 3600) + "h " + ((s % 3600) / 60) + "m";
  }

  private static DwException bad(String text) {
    return DwException.invalidArgument("'" + text + "' is not a duration: write a number with a unit "
        + "(ms, s, m, h, d; e.g. 500ms, 30s, 1m30s) or ISO-8601 (PT30S)");
  }
}
