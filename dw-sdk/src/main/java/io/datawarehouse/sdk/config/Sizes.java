package io.datawarehouse.sdk.config;

import io.datawarehouse.sdk.DwException;
import java.util.Locale;

/**
 * Byte sizes as people write them: {@code 4096}, {@code 64KiB}, {@code 1.5 GiB}, {@code 10MB}.
 *
 * <p>Binary units KiB, MiB, GiB, TiB, PiB (and the shorthand K, M, G, T, P) are powers of 1024; decimal
 * units KB, MB, GB, TB, PB are powers of 1000; B or no unit is bytes. Case-insensitive.
 */
public final class Sizes {
  private Sizes() {}

  /**
   * Parses a size in bytes.
   *
   * @throws DwException INVALID_ARGUMENT with the accepted forms when {@code text} is not a size
   */
  public static long parse(String text) {
    if (text == null || text.isBlank()) {
      throw bad(text);
    }
    String s = text.trim().replace("_", "");
    int i = 0;
    while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
      i++;
    }
    if (i == 0) {
      throw bad(text);
    }
    String num = s.substring(0, i);
    String unit = s.substring(i).trim().toLowerCase(Locale.ROOT);
    long mult = switch (unit) {
      case "", "b" -> 1L;
      case "k", "kib" -> 1L << 10;
      case "m", "mib" -> 1L << 20;
      case "g", "gib" -> 1L << 30;
      case "t", "tib" -> 1L << 40;
      case "p", "pib" -> 1L << 50;
      case "kb" -> 1_000L;
      case "mb" -> 1_000_000L;
      case "gb" -> 1_000_000_000L;
      case "tb" -> 1_000_000_000_000L;
      case "pb" -> 1_000_000_000_000_000L;
      default -> throw bad(text);
    };
    try {
      if (num.contains(".")) {
        double v = Double.parseDouble(num) * mult;
        if (v > Long.MAX_VALUE || (mult == 1 && v != Math.floor(v))) {
          throw bad(text); // a fraction of a byte
        }
        return Math.round(v);
      }
      return Math.multiplyExact(Long.parseLong(num), mult);
    } catch (NumberFormatException | ArithmeticException e) {
      throw bad(text);
    }
  }

  /** A size for people: {@code 64 KiB}, {@code 1.5 GiB}, {@code 512 B}. */
  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    if (v == Math.rint(v)) {
      return (long) v + " " + units[u];
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private static DwException bad(String text) {
    return DwException.invalidArgument("'" + text + "' is not a size: write a number of bytes, "
        + "optionally with a unit (KiB, MiB, GiB, TiB, PiB, or KB, MB, GB, TB, PB), e.g. 64KiB");
  }
}
