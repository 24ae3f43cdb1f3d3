package io.datawarehouse.sdk.provider;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;
import java.time.Duration;

/**
 * How a {@link ResilientBackend} behaves; the same keys in every plugin's backend section (merge
 * {@link #configDef()} into yours and read them back with {@link #from(Config)}).
 *
 * @param requireReal no fallback: start fails when the backend is unreachable, and live failures
 *     surface as errors
 * @param probeInterval how often the health probe runs (detects outages and recoveries)
 * @param durableJournal journal writes taken while degraded to a file forced to disk before the
 *     write is acknowledged (default); false keeps them in memory only (lost on a crash)
 * @param journalMaxBytes the journal file's limit
 * @param fallbackMaxRecords how many writes the fallback holds while degraded
 * @param fallbackMaxBytes how many bytes of writes the fallback holds while degraded
 * @param retries retries of a failed call before it counts as failed (transient errors only)
 * @param retryBackoff the first retry's delay; each further retry doubles it
 * @param breakerFailureRate percentage of failed calls (over the last 20, at least 5) that opens
 *     the circuit breaker and makes the backend DEGRADED
 */
public record ResilienceOptions(
    boolean requireReal,
    Duration probeInterval,
    boolean durableJournal,
    long journalMaxBytes,
    long fallbackMaxRecords,
    long fallbackMaxBytes,
    int retries,
    Duration retryBackoff,
    int breakerFailureRate) {

  public ResilienceOptions {
    if (probeInterval.isZero() || probeInterval.isNegative()) {
      throw DwException.invalidArgument("probeInterval must be positive, was " + probeInterval);
    }
    if (fallbackMaxRecords < 1 || fallbackMaxBytes < 1 || journalMaxBytes < 1) {
      throw DwException.invalidArgument("fallback and journal limits must be positive");
    }
    if (retries < 0 || breakerFailureRate < 1 || breakerFailureRate > 100) {
      throw DwException.invalidArgument("retries must be >= 0 and breakerFailureRate in 1..100");
    }
  }

  /** Probe every 5 s, durable journal up to 256 MiB, fallback up to 100,000 writes / 256 MiB, 2 retries from 50 ms. */
  public static ResilienceOptions defaults() {
    return new ResilienceOptions(false, Duration.ofSeconds(5), true, 256L << 20, 100_000, 256L << 20, 2, Duration.ofMillis(50), 50);
  }

  public ResilienceOptions withRequireReal(boolean v) {
    return new ResilienceOptions(v, probeInterval, durableJournal, journalMaxBytes, fallbackMaxRecords, fallbackMaxBytes, retries, retryBackoff, breakerFailureRate);
  }

  public ResilienceOptions withProbeInterval(Duration v) {
    return new ResilienceOptions(requireReal, v, durableJournal, journalMaxBytes, fallbackMaxRecords, fallbackMaxBytes, retries, retryBackoff, breakerFailureRate);
  }

  public ResilienceOptions withLimits(long maxRecords, long maxBytes, long maxJournalBytes) {
    return new ResilienceOptions(requireReal, probeInterval, durableJournal, maxJournalBytes, maxRecords, maxBytes, retries, retryBackoff, breakerFailureRate);
  }

  public ResilienceOptions withRetries(int n, Duration backoff) {
    return new ResilienceOptions(requireReal, probeInterval, durableJournal, journalMaxBytes, fallbackMaxRecords, fallbackMaxBytes, n, backoff, breakerFailureRate);
  }

  public ResilienceOptions withDurableJournal(boolean v) {
    return new ResilienceOptions(requireReal, probeInterval, v, journalMaxBytes, fallbackMaxRecords, fallbackMaxBytes, retries, retryBackoff, breakerFailureRate);
  }

  /** The standard keys of a backend section (url is the plugin's own: it chooses the backend). */
  public static ConfigDef configDef() {
    ResilienceOptions d = defaults();
    return ConfigDef.builder()
        .bool("requireReal", false, "fail at start (and on live errors) instead of falling back when the backend is unreachable")
        .duration("probeInterval", "5s", "how often the backend's health is checked, to notice outages and recoveries")
        .bool("durableJournal", true, "journal writes taken while degraded to disk (forced before acknowledging) so a crash loses none")
        .size("journalMaxBytes", "256MiB", Validators.positive(), "limit of the degraded-write journal")
        .longValue("fallbackMaxRecords", d.fallbackMaxRecords(), Validators.positive(), "writes the in-memory fallback holds while degraded")
        .size("fallbackMaxBytes", "256MiB", Validators.positive(), "bytes of writes the in-memory fallback holds while degraded")
        .integer("retries", d.retries(), Validators.range(0, 10), "retries of a transient failure before a call counts as failed")
        .duration("retryBackoff", "50ms", "delay before the first retry; doubles each time")
        .integer("breakerFailureRate", d.breakerFailureRate(), Validators.range(1, 100), "percent of failed calls that opens the circuit breaker")
        .build();
  }

  /** Reads the keys of {@link #configDef()} from a section that includes them. */
  public static ResilienceOptions from(Config c) {
    return new ResilienceOptions(c.getBoolean("requireReal"), c.getDuration("probeInterval"), c.getBoolean("durableJournal"),
        c.getSize("journalMaxBytes"), c.getLong("fallbackMaxRecords"), c.getSize("fallbackMaxBytes"), c.getInt("retries"),
        c.getDuration("retryBackoff"), c.getInt("breakerFailureRate"));
  }
}
