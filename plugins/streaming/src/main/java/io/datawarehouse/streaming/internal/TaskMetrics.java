package io.datawarehouse.streaming.internal;

import io.datawarehouse.streaming.DropReason;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;

/**
 * A pipeline's counters. The task thread counts records in plain fields (no memory barrier per
 * record) and {@linkplain #publish() publishes} them to volatile fields once per batch; other
 * threads read the published values. Drops and backpressure can be counted from any thread.
 */
public final class TaskMetrics {
  // written by the task thread only
  long in;
  long out;
  // published copies for other threads
  private volatile long publishedIn;
  private volatile long publishedOut;
  private volatile long watermark = Long.MIN_VALUE;
  private volatile long sourcePosition;
  private final AtomicLong checkpoints = new AtomicLong();
  private final AtomicLongArray drops = new AtomicLongArray(DropReason.values().length);
  private final AtomicLong backpressureNanos = new AtomicLong();
  private final List<IntSupplier[]> enrichments = new CopyOnWriteArrayList<>();

  /** Counts one record taken from the source (task thread). */
  public void recordIn() {
    in++;
  }

  /** Counts one result written to a sink (task thread). */
  public void recordOut() {
    out++;
  }

  /** Makes the task thread's counts visible to other threads. */
  public void publish(long currentWatermark, long position) {
    publishedIn = in;
    publishedOut = out;
    watermark = currentWatermark;
    sourcePosition = position;
  }

  public void drop(DropReason reason) {
    drops.incrementAndGet(reason.ordinal());
  }

  /** Adds time a producer waited for room in a bounded queue (any thread). */
  public void backpressure(long nanos) {
    backpressureNanos.addAndGet(nanos);
  }

  public void checkpointed() {
    checkpoints.incrementAndGet();
  }

  /** Registers an enrichment operator's in-flight count and capacity. */
  public void enrichment(IntSupplier inFlight, IntSupplier capacity) {
    enrichments.add(new IntSupplier[] {inFlight, capacity});
  }

  public long in() {
    return publishedIn;
  }

  public long out() {
    return publishedOut;
  }

  public long watermark() {
    return watermark;
  }

  public long sourcePosition() {
    return sourcePosition;
  }

  public long checkpoints() {
    return checkpoints.get();
  }

  public long backpressureNanos() {
    return backpressureNanos.get();
  }

  public int enrichmentsInFlight() {
    int n = 0;
    for (IntSupplier[] e : enrichments) {
      n += e[0].getAsInt();
    }
    return n;
  }

  public int enrichmentCapacity() {
    int n = 0;
    for (IntSupplier[] e : enrichments) {
      n += e[1].getAsInt();
    }
    return n;
  }

  public Map<DropReason, Long> drops() {
    Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
    for (DropReason r : DropReason.values()) {
      long n = drops.get(r.ordinal());
      if (n > 0) {
        m.put(r, n);
      }
    }
    return m;
  }

  /** Names of reasons with drops, for logs. */
  List<String> dropSummary() {
    List<String> s = new ArrayList<>();
    drops().forEach((r, n) -> s.add(r + "=" + n));
    return s;
  }
}
