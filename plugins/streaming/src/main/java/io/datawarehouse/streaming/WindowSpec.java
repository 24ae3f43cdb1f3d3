package io.datawarehouse.streaming;

import io.datawarehouse.sdk.DwException;
import java.time.Duration;

/**
 * The event-time windows of a keyed stream. All times are epoch milliseconds; a window is
 * {@code [start, end)}.
 */
public sealed interface WindowSpec {

  /**
   * Fixed, non-overlapping windows of {@code size}: a record at {@code t} belongs to the window
   * starting at {@code t - floorMod(t - offset, size)}.
   */
  static WindowSpec tumbling(Duration size) {
    return new Tumbling(positive(size, "tumbling window size"), 0);
  }

  /**
   * Windows of {@code size} starting every {@code slide}: a record belongs to {@code size/slide}
   * windows ({@code size} must be a multiple of {@code slide}).
   */
  static WindowSpec sliding(Duration size, Duration slide) {
    long s = positive(size, "sliding window size");
    long l = positive(slide, "sliding window slide");
    if (s % l != 0) {
      throw DwException.invalidArgument("sliding window size must be a multiple of the slide, was size="
          + size + " slide=" + slide);
    }
    return new Sliding(s, l, 0);
  }

  /**
   * Per-key sessions: records less than {@code gap} apart fall into one window, which ends
   * {@code gap} after its last record; a record {@code gap} or more after the previous one starts
   * a new session.
   */
  static WindowSpec session(Duration gap) {
    return new Session(positive(gap, "session gap"));
  }

  /** Tumbling windows; {@code offset} shifts their starts (0 aligns them to the epoch). */
  record Tumbling(long sizeMillis, long offsetMillis) implements WindowSpec {}

  /** Sliding windows; {@code offset} shifts their starts. */
  record Sliding(long sizeMillis, long slideMillis, long offsetMillis) implements WindowSpec {}

  /** Session windows closed by {@code gapMillis} of inactivity per key. */
  record Session(long gapMillis) implements WindowSpec {}

  private static long positive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero() || d.toMillis() == 0) {
      throw DwException.invalidArgument(what + " must be at least 1ms, was " + d);
    }
    return d.toMillis();
  }
}
