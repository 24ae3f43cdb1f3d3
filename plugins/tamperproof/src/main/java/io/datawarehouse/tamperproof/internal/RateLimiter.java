package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.Time;
import java.time.Duration;

/**
 * Limits a reader to {@code bytesPerSecond}, allowing a burst of one second's worth: a generic cell
 * rate algorithm over the injected {@link Time}. Each {@link #acquire} moves the theoretical
 * arrival time ({@code tat}) forward by the cost of its bytes; the caller waits for whatever lies
 * more than the burst ahead of now.
 *
 * <p>Thread-safe.
 */
public final class RateLimiter {
  private static final long SECOND = 1_000_000_000L;
  private final Time time;
  private final long bytesPerSecond;
  private long tat;

  public RateLimiter(Time time, long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytesPerSecond must be positive, was " + bytesPerSecond);
    }
    this.time = time;
    this.bytesPerSecond = bytesPerSecond;
    this.tat = time.nanoTime();
  }

  /** No limit. */
  public static RateLimiter unlimited(Time time) {
    return new RateLimiter(time, Long.MAX_VALUE);
  }

  /** Reserves {@code bytes} and returns how long to wait before using them, in nanoseconds. */
  public synchronized long reserve(long bytes) {
    long now = time.nanoTime();
    long cost = bytesPerSecond == Long.MAX_VALUE ? 0 : (long) Math.ceil((double) bytes * SECOND / bytesPerSecond);
    tat = Math.max(tat, now) + cost;
    return Math.max(0, tat - now - SECOND);
  }

  /** Waits until {@code bytes} may be read. */
  public void acquire(long bytes) throws InterruptedException {
    long wait = reserve(bytes);
    if (wait > 0) {
      time.sleep(Duration.ofNanos(wait));
    }
  }
}
