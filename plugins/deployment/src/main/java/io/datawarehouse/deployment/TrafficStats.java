package io.datawarehouse.deployment;

import java.util.List;

/**
 * The reply of {@code deployment.traffic.stats}: what the router measured per pool since the
 * service's listener started. Counters only grow, so a reader takes differences between two
 * readings.
 *
 * @param service the service
 * @param activeEnvironment the active environment, or null when none was switched to
 * @param pools one entry per pool ever routed to
 */
public record TrafficStats(String service, String activeEnvironment, List<PoolStats> pools) {

  /**
   * The request.
   *
   * @param service the service
   */
  public record Request(String service) {}

  /**
   * Counts of one pool.
   *
   * @param name the pool (version) name
   * @param weight its weight in the current table
   * @param requests requests sent to it
   * @param errors of those, answered 5xx or failed to connect or time out
   * @param latencyBuckets counts per latency bucket ({@link LatencyHistogram}), for percentiles of
   *     a difference of two readings
   */
  public record PoolStats(String name, int weight, long requests, long errors, long[] latencyBuckets) {

    /** The count-wise difference {@code this - earlier} (earlier may be null). */
    public PoolStats minus(PoolStats earlier) {
      if (earlier == null) {
        return this;
      }
      long[] b = latencyBuckets.clone();
      for (int i = 0; i < Math.min(b.length, earlier.latencyBuckets.length); i++) {
        b[i] -= earlier.latencyBuckets[i];
      }
      return new PoolStats(name, weight, requests - earlier.requests, errors - earlier.errors, b);
    }

    /** errors / requests, 0 without requests. */
    public double errorRate() {
      return requests == 0 ? 0 : (double) errors / requests;
    }

    /** The latency at quantile {@code q} in microseconds (bucket upper bound), 0 without samples. */
    public long latencyMicros(double q) {
      return LatencyHistogram.quantile(latencyBuckets, q);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PoolStats p && p.name.equals(name) && p.weight == weight && p.requests == requests
          && p.errors == errors && java.util.Arrays.equals(p.latencyBuckets, latencyBuckets);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(name, weight, requests, errors) * 31 + java.util.Arrays.hashCode(latencyBuckets);
    }

    @Override
    public String toString() {
      return name + "{weight=" + weight + ", requests=" + requests + ", errors=" + errors + ", p99="
          + latencyMicros(0.99) + "us}";
    }
  }

  /** The pool named {@code name}, or null. */
  public PoolStats pool(String name) {
    return pools.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
  }
}
