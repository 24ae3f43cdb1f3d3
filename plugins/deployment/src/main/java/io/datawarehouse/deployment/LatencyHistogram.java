package io.datawarehouse.deployment;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free log-linear latency histogram with fixed buckets, so that two readings can be
 * subtracted bucket by bucket (the canary analysis compares what happened between two readings).
 *
 * <p>Bucket {@code i} holds values up to {@code 2^(i/4)} microseconds (four buckets per power of
 * two, so a reported quantile is at most about 19% above the true value); the last bucket takes
 * everything larger (about 2^31 us, 36 minutes). Thread-safe.
 */
public final class LatencyHistogram {
  /** Number of buckets. */
  public static final int BUCKETS = 128;
  private static final long[] UPPER = new long[BUCKETS];

  static {
    for (int i = 0; i < BUCKETS; i++) {
      UPPER[i] = (long) Math.ceil(Math.pow(2, i / 4.0));
    }
  }

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

  /** Records one value in microseconds. */
  public void recordMicros(long micros) {
    counts.incrementAndGet(bucketOf(micros));
  }

  /** A copy of the counts. */
  public long[] snapshot() {
    long[] out = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      out[i] = counts.get(i);
    }
    return out;
  }

  /** The bucket of {@code micros}: the smallest i with upperBound(i) >= micros. */
  static int bucketOf(long micros) {
    if (micros <= 1) {
      return 0;
    }
    int lo = 0;
    int hi = BUCKETS - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (UPPER[mid] >= micros) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** The upper bound of bucket {@code i} in microseconds. */
  public static long upperBoundMicros(int i) {
    return UPPER[i];
  }

  /** The value at quantile {@code q} (0..1) of {@code buckets}: the bucket's upper bound; 0 when empty. */
  public static long quantile(long[] buckets, double q) {
    long total = 0;
    for (long c : buckets) {
      total += c;
    }
    if (total <= 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < buckets.length; i++) {
      seen += buckets[i];
      if (seen >= rank) {
        return upperBoundMicros(i);
      }
    }
    return upperBoundMicros(buckets.length - 1);
  }
}
