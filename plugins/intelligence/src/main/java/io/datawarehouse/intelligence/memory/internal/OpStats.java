package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.BackendStatistics;
import io.datawarehouse.sdk.Time;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Operation counters and latency histograms shared by the embedded backends. A histogram has
 * log-linear buckets: 64 powers of two, each split into 16 linear sub-buckets, so a percentile is
 * reported within about 3% of the truth with one atomic increment per sample and no allocation.
 *
 * <p>Thread-safe and lock-free.
 */
public final class OpStats {
  private static final int SUB_BITS = 4;
  private static final int SUB = 1 << SUB_BITS;

  public final LongAdder reads = new LongAdder();
  public final LongAdder writes = new LongAdder();
  public final LongAdder deletes = new LongAdder();
  public final LongAdder queries = new LongAdder();
  private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
  private final Time time;

  public OpStats(Time time) {
    this.time = time;
  }

  /** A start reading for {@link #record}. */
  public long start() {
    return time.nanoTime();
  }

  /** Records the latency of {@code op} that started at {@code startNanos}. */
  public void record(String op, long startNanos) {
    latency.computeIfAbsent(op, k -> new Histogram()).add(Math.max(0, time.nanoTime() - startNanos));
  }

  /** The latency summaries by operation, in name order. */
  public Map<String, BackendStatistics.Latency> latencies() {
    Map<String, BackendStatistics.Latency> out = new LinkedHashMap<>();
    latency.keySet().stream().sorted().forEach(k -> out.put(k, latency.get(k).summary()));
    return out;
  }

  /** One log-linear histogram of nanosecond values. */
  static final class Histogram {
    private final AtomicLongArray counts = new AtomicLongArray(64 * SUB);
    private final LongAdder total = new LongAdder();
    private volatile long max;

    void add(long nanos) {
      counts.incrementAndGet(bucket(nanos));
      total.increment();
      long m = max;
      if (nanos > m) {
        max = nanos; // racy max: a lost update under contention underreports by one sample at most per race
      }
    }

    static int bucket(long v) {
      if (v < SUB) {
        return (int) v;
      }
      int exp = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
      int sub = (int) (v >>> (exp - SUB_BITS)) & (SUB - 1);
      return (exp - SUB_BITS + 1) * SUB + sub;
    }

    /** The midpoint of a bucket. */
    static double value(int bucket) {
      if (bucket < SUB) {
        return bucket;
      }
      int exp = bucket / SUB - 1 + SUB_BITS;
      int sub = bucket % SUB;
      double lo = Math.scalb((double) (SUB + sub), exp - SUB_BITS);
      double width = Math.scalb(1.0, exp - SUB_BITS);
      return lo + width / 2;
    }

    BackendStatistics.Latency summary() {
      long n = 0;
      long[] c = new long[counts.length()];
      for (int i = 0; i < c.length; i++) {
        c[i] = counts.get(i);
        n += c[i];
      }
      return new BackendStatistics.Latency(n, pct(c, n, 0.50), pct(c, n, 0.95), pct(c, n, 0.99), max / 1000.0);
    }

    private static double pct(long[] c, long n, double p) {
      if (n == 0) {
        return 0;
      }
      long rank = (long) Math.ceil(p * n);
      long seen = 0;
      for (int i = 0; i < c.length; i++) {
        seen += c[i];
        if (seen >= rank) {
          return value(i) / 1000.0;
        }
      }
      return value(c.length - 1) / 1000.0;
    }
  }
}
