package io.datawarehouse.intelligence.memory;

import java.util.Map;

/**
 * What a backend holds and how it has been used since it was opened.
 *
 * @param backend the backend's name
 * @param records live records (expired ones not yet purged included)
 * @param bytes their size as counted by {@link MemoryRecord#sizeBytes()}
 * @param tiers records and bytes per tier
 * @param reads records read (get, batch get, query results)
 * @param writes records written (store, update, touch)
 * @param deletes records deleted (explicitly or by expiry)
 * @param queries queries run
 * @param latency per operation ("get", "store", "update", "delete", "query", "batch"): latency percentiles
 * @param diskBytes bytes on disk, or -1 for a backend without files
 */
public record BackendStatistics(
    String backend,
    long records,
    long bytes,
    Map<MemoryTier, TierStatistics> tiers,
    long reads,
    long writes,
    long deletes,
    long queries,
    Map<String, Latency> latency,
    long diskBytes) {

  /** Records and bytes of one tier. */
  public record TierStatistics(long records, long bytes) {}

  /**
   * Latency of one operation since the backend opened, in microseconds; percentiles are accurate
   * to about 3% (log-linear buckets).
   */
  public record Latency(long count, double p50Micros, double p95Micros, double p99Micros, double maxMicros) {}
}
