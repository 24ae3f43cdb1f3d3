package io.datawarehouse.raid.internal.disk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-disk counters since the array was opened: operations, bytes, errors, remaps and a latency
 * histogram (power-of-two microsecond buckets) for percentiles. Thread-safe, lock-free.
 */
public final class DiskCounters {
  public final AtomicLong reads = new AtomicLong();
  public final AtomicLong writes = new AtomicLong();
  public final AtomicLong bytesRead = new AtomicLong();
  public final AtomicLong bytesWritten = new AtomicLong();
  public final AtomicLong readErrors = new AtomicLong();
  public final AtomicLong writeErrors = new AtomicLong();
  public final AtomicLong checksumErrors = new AtomicLong();
  public final AtomicLong remaps = new AtomicLong();
  private final AtomicLongArray latency = new AtomicLongArray(40);

  /** Records one operation's latency. */
  public void latency(long nanos) {
    long micros = Math.max(1, nanos / 1000);
    latency.incrementAndGet(Math.min(39, 63 - Long.numberOfLeadingZeros(micros)));
  }

  /** The upper bound in microseconds of the bucket holding percentile {@code p} (0..100), 0 when empty. */
  public long percentileMicros(double p) {
    long total = 0;
    for (int i = 0; i < latency.length(); i++) {
      total += latency.get(i);
    }
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(total * p / 100.0);
    long seen = 0;
    for (int i = 0; i < latency.length(); i++) {
      seen += latency.get(i);
      if (seen >= rank) {
        return 1L << (i + 1);
      }
    }
    return 1L << latency.length();
  }

  /** The persistent part: every counter and the latency buckets. */
  public Map<String, Object> snapshot() {
    Map<String, Object> m = toMap();
    m.remove("latencyP50Micros");
    m.remove("latencyP99Micros");
    long[] buckets = new long[latency.length()];
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = latency.get(i);
    }
    m.put("latencyBuckets", buckets);
    return m;
  }

  /** Adds counts saved by {@link #snapshot()} (from an earlier run). */
  public void add(Map<String, Object> saved) {
    reads.addAndGet(num(saved, "reads"));
    writes.addAndGet(num(saved, "writes"));
    bytesRead.addAndGet(num(saved, "bytesRead"));
    bytesWritten.addAndGet(num(saved, "bytesWritten"));
    readErrors.addAndGet(num(saved, "readErrors"));
    writeErrors.addAndGet(num(saved, "writeErrors"));
    checksumErrors.addAndGet(num(saved, "checksumErrors"));
    remaps.addAndGet(num(saved, "remaps"));
    if (saved.get("latencyBuckets") instanceof java.util.List<?> l) {
      for (int i = 0; i < Math.min(l.size(), latency.length()); i++) {
        latency.addAndGet(i, ((Number) l.get(i)).longValue());
      }
    }
  }

  private static long num(Map<String, Object> m, String k) {
    return m.get(k) instanceof Number n ? n.longValue() : 0;
  }

  /** The counters as JSON-friendly values. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("reads", reads.get());
    m.put("writes", writes.get());
    m.put("bytesRead", bytesRead.get());
    m.put("bytesWritten", bytesWritten.get());
    m.put("readErrors", readErrors.get());
    m.put("writeErrors", writeErrors.get());
    m.put("checksumErrors", checksumErrors.get());
    m.put("remaps", remaps.get());
    m.put("latencyP50Micros", percentileMicros(50));
    m.put("latencyP99Micros", percentileMicros(99));
    return m;
  }
}
