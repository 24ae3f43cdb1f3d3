package io.datawarehouse.sdk;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The source of time for everything that waits, expires or schedules (retention, windows,
 * rollouts, health probes). Inject it; tests pass a manual time ({@code ManualTime} in
 * dw-testkit) and move it forward instead of sleeping.
 *
 * <p>Implementations are thread-safe.
 */
public interface Time {

  /** The real clock of the machine. */
  Time SYSTEM = new Time() {
    @Override
    public Instant now() {
      return Instant.now();
    }

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
      long nanos = duration.toNanos();
      if (nanos > 0) {
        Thread.sleep(Duration.ofNanos(nanos));
      }
    }

    @Override
    public String toString() {
      return "Time.SYSTEM";
    }
  };

  /** Wall-clock time, for timestamps and retention dates. */
  Instant now();

  /** Wall-clock time in epoch milliseconds. */
  default long currentTimeMillis() {
    return now().toEpochMilli();
  }

  /** A monotonic reading in nanoseconds, for measuring elapsed time; not related to wall time. */
  long nanoTime();

  /** Waits for {@code duration} of this time (a manual time returns once it has been advanced). */
  void sleep(Duration duration) throws InterruptedException;

  /** This time as a {@link java.time.Clock} in UTC, for APIs that take one. */
  default Clock asClock() {
    Time self = this;
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("Time.asClock() is always UTC");
      }

      @Override
      public Instant instant() {
        return self.now();
      }
    };
  }
}
