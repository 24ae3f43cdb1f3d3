package io.datawarehouse.server.cli;

import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.config.Durations;
import io.datawarehouse.sdk.config.Sizes;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Draws {@link Progress} on stderr: a redrawn bar on a terminal, a line every few seconds
 * otherwise (logs, CI). Rate and ETA in the operation's unit; bytes print as KiB/MiB/GiB.
 * Not thread-safe; report from one thread or synchronize.
 */
public final class ProgressBar implements Progress.Listener {
  private static final int WIDTH = 30;
  private final PrintWriter err;
  private final boolean terminal;
  private final long intervalNanos;
  private long lastDraw;
  private int lastLength;

  public ProgressBar(PrintWriter err) {
    this(err, isTerminal());
  }

  /** Whether stdout/stderr are a terminal (Console.isTerminal on JDK 22+, else a console exists). */
  static boolean isTerminal() {
    java.io.Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException | ClassCastException e) {
      return true;
    }
  }

  public ProgressBar(PrintWriter err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
    this.intervalNanos = terminal ? 100_000_000L : 5_000_000_000L;
  }

  @Override
  public void onProgress(Progress p) {
    long now = System.nanoTime();
    if (!p.finished() && lastDraw != 0 && now - lastDraw < intervalNanos) {
      return;
    }
    lastDraw = now;
    String line = render(p, Instant.now());
    if (terminal) {
      String pad = line.length() < lastLength ? " ".repeat(lastLength - line.length()) : "";
      err.print("\r" + line + pad);
      if (p.finished()) {
        err.println();
      }
      lastLength = line.length();
    } else {
      err.println(line);
    }
    err.flush();
  }

  /** One line for {@code p} at {@code now}. */
  public static String render(Progress p, Instant now) {
    StringBuilder sb = new StringBuilder(p.operation()).append(' ');
    double f = p.fraction();
    if (f >= 0) {
      int filled = (int) Math.round(f * WIDTH);
      sb.append('[').append("#".repeat(filled)).append("-".repeat(WIDTH - filled)).append("] ");
      sb.append(String.format(Locale.ROOT, "%5.1f%% ", f * 100));
    }
    boolean bytes = p.unit().equals("bytes");
    sb.append(bytes ? Sizes.format(p.done()) : p.done() + " " + p.unit());
    if (p.total() >= 0) {
      sb.append(" / ").append(bytes ? Sizes.format(p.total()) : p.total() + " " + p.unit());
    }
    double rate = p.rate(now);
    sb.append(", ").append(bytes ? Sizes.format((long) rate) + "/s" : String.format(Locale.ROOT, "%.0f %s/s", rate, p.unit()));
    if (p.finished()) {
      sb.append(", done in ").append(Durations.format(Duration.between(p.startedAt(), now)));
    } else if (f > 0 && rate > 0 && p.total() > 0) {
      long etaSecs = (long) ((p.total() - p.done()) / rate);
      sb.append(", ETA ").append(Durations.format(Duration.ofSeconds(etaSecs)));
    }
    if (p.detail() != null && !p.detail().isBlank()) {
      sb.append(" ").append(p.detail());
    }
    return sb.toString();
  }
}
