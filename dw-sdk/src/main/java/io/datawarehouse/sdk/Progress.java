package io.datawarehouse.sdk;

import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The progress of a long operation (rebuild, scrub, backup, restore, index build): how much is
 * done of how much, in what unit. The command line draws it as a progress bar; plugins also
 * publish it on their {@code <plugin>.events} topic.
 *
 * @param operation what is running ("rebuild disk 3", "backup")
 * @param done units done so far
 * @param total units in all, or -1 when unknown
 * @param unit "bytes", "files", "stripes", "records"...
 * @param startedAt when the operation started
 * @param finished whether this is the last report
 * @param detail an optional short detail (current file), may be null
 */
public record Progress(String operation, long done, long total, String unit, Instant startedAt, boolean finished, String detail) {

  public Progress {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(startedAt, "startedAt");
  }

  /** Fraction done in [0, 1], or -1 when the total is unknown. */
  public double fraction() {
    if (total <= 0) {
      return total == 0 && finished ? 1.0 : -1;
    }
    return Math.min(1.0, (double) done / total);
  }

  /** Units per second since the start, measured against {@code now}. */
  public double rate(Instant now) {
    double secs = Math.max(1e-3, Duration.between(startedAt, now).toNanos() / 1e9);
    return done / secs;
  }

  /** Receives progress reports. Implementations must be cheap; they are called from the working thread. */
  @FunctionalInterface
  public interface Listener {
    /** A listener that ignores reports. */
    Listener NONE = p -> { };

    void onProgress(Progress progress);

    /** Both this listener and {@code other}. */
    default Listener and(Listener other) {
      return p -> {
        onProgress(p);
        other.onProgress(p);
      };
    }

    /**
     * A listener that publishes each report as JSON on {@code topic} (for example {@code
     * raid.events}) with header {@code dw-event: progress}. A failing publish is ignored: progress
     * must never stop the work it reports on.
     */
    static Listener publishing(MessageBus bus, String topic) {
      return p -> {
        try {
          bus.publish(Message.builder(topic).json(p).header("dw-event", "progress").build());
        } catch (DwException e) {
          // progress is best effort by design; the operation's result is reported separately
        }
      };
    }
  }
}
