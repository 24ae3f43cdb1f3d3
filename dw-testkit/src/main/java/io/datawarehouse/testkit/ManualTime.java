package io.datawarehouse.testkit;

import io.datawarehouse.sdk.Time;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Time} that moves only when a test says so. {@link #sleep} blocks until the time has
 * been {@linkplain #advance advanced} past the wake-up point, so code that waits can be tested
 * without real sleeping. Thread-safe.
 */
public final class ManualTime implements Time {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition moved = lock.newCondition();
  private Instant now;
  private long nanos;

  /** Starts at 2026-01-01T00:00:00Z. */
  public ManualTime() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  public ManualTime(Instant start) {
    this.now = start;
    this.nanos = 1_000_000_000L;
  }

  @Override
  public Instant now() {
    lock.lock();
    try {
      return now;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long nanoTime() {
    lock.lock();
    try {
      return nanos;
    } finally {
      lock.unlock();
    }
  }

  /** Moves time forward (never backward) and wakes sleepers whose time has come. */
  public void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("time only moves forward: " + d);
    }
    lock.lock();
    try {
      now = now.plus(d);
      nanos += d.toNanos();
      moved.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Sets wall time to {@code instant} (must not be earlier than now). */
  public void setTo(Instant instant) {
    advance(Duration.between(now(), instant));
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    lock.lock();
    try {
      long wake = nanos + Math.max(0, duration.toNanos());
      while (nanos < wake) {
        moved.await();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "ManualTime[" + now() + "]";
  }
}
