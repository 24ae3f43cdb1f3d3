package io.datawarehouse.streaming.enrich;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.streaming.DropReason;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * How a stream is enriched by a {@link Lookup}: ordering, the capacity that backpressures
 * upstream, one timeout over all retries, exponential backoff with jitter, a circuit breaker and a
 * TTL cache with negative caching. Apply it with {@link io.datawarehouse.streaming.Stream#enrich}.
 *
 * <p>A record whose lookup fails after its retries, or runs out of time, goes to the dead letters
 * as {@code ENRICHMENT_FAILED} with the attempt count; while the breaker is open, records go there
 * as {@code CIRCUIT_OPEN} without a lookup.
 *
 * <p>Immutable; build with {@link #of}.
 *
 * @param lookup the lookup
 * @param combine the output from the record and the looked-up value (null when none was found)
 * @param ordered true: results leave in input order; false: as lookups complete (watermarks
 *     still never overtake the records before them)
 * @param capacity lookups in flight at most; a full operator makes the pipeline wait
 * @param timeout the whole budget of one record's lookup, retries and backoff included
 * @param attemptTimeout the most one attempt may take
 * @param maxAttempts attempts at most (1 = no retry)
 * @param backoffInitial the wait before the second attempt
 * @param backoffMax the longest wait between attempts
 * @param jitter how much of each wait is random, 0..1 (0.5: the wait is 50-100% of the backoff)
 * @param breaker the circuit breaker, or null for none
 * @param cacheKey the cache key of a record, or null for no cache
 * @param cacheTtl how long a found value is reused
 * @param negativeTtl how long "none found" is reused
 * @param cacheMaxEntries entries kept at most (least recently used go first)
 * @param failureReason the dead-letter reason of a failed lookup (ENRICHMENT_FAILED; stream
 *     analysis uses ANALYSIS_FAILED)
 * @param <T> record type
 * @param <L> looked-up value type
 * @param <R> output type
 */
public record Enrichment<T, L, R>(
    Lookup<? super T, L> lookup,
    BiFunction<? super T, ? super L, ? extends R> combine,
    boolean ordered,
    int capacity,
    Duration timeout,
    Duration attemptTimeout,
    int maxAttempts,
    Duration backoffInitial,
    Duration backoffMax,
    double jitter,
    Breaker breaker,
    Function<? super T, ?> cacheKey,
    Duration cacheTtl,
    Duration negativeTtl,
    int cacheMaxEntries,
    DropReason failureReason) {

  /**
   * A count-based circuit breaker (resilience4j): over the last {@code window} calls (at least
   * {@code minimumCalls}), a failure rate at or above {@code failureRatePercent} opens it; after
   * {@code openFor} it lets {@code probes} calls through to decide whether to close.
   */
  public record Breaker(float failureRatePercent, int window, int minimumCalls, Duration openFor, int probes) {
    public Breaker {
      if (failureRatePercent <= 0 || failureRatePercent > 100) {
        throw DwException.invalidArgument("breaker failureRatePercent must be in (0, 100], was " + failureRatePercent);
      }
      if (window < 1 || minimumCalls < 1 || probes < 1) {
        throw DwException.invalidArgument("breaker window, minimumCalls and probes must be >= 1");
      }
      Objects.requireNonNull(openFor, "openFor");
    }

    /** 50% of the last 20 calls (at least 10), open for 30 s, 3 probes. */
    public static Breaker defaults() {
      return new Breaker(50, 20, 10, Duration.ofSeconds(30), 3);
    }
  }

  public Enrichment {
    Objects.requireNonNull(lookup, "lookup");
    Objects.requireNonNull(combine, "combine");
    if (capacity < 1) {
      throw DwException.invalidArgument("enrichment capacity must be >= 1, was " + capacity);
    }
    if (maxAttempts < 1) {
      throw DwException.invalidArgument("enrichment maxAttempts must be >= 1, was " + maxAttempts);
    }
    if (jitter < 0 || jitter > 1) {
      throw DwException.invalidArgument("enrichment jitter must be in 0..1, was " + jitter);
    }
    for (Duration d : new Duration[] {timeout, attemptTimeout, backoffInitial, backoffMax, cacheTtl, negativeTtl}) {
      if (d == null || d.isNegative()) {
        throw DwException.invalidArgument("enrichment durations must be >= 0, one was " + d);
      }
    }
    if (timeout.isZero() || attemptTimeout.isZero()) {
      throw DwException.invalidArgument("enrichment timeout and attemptTimeout must be > 0");
    }
    failureReason = failureReason == null ? DropReason.ENRICHMENT_FAILED : failureReason;
    if (cacheMaxEntries < 0) {
      throw DwException.invalidArgument("cacheMaxEntries must be >= 0, was " + cacheMaxEntries);
    }
  }

  /**
   * An enrichment with defaults: ordered, capacity 100, timeout 5 s, attempts of at most 1 s, 3
   * attempts, backoff 50 ms doubling to 1 s with 50% jitter, the default breaker, no cache.
   */
  public static <T, L, R> Enrichment<T, L, R> of(Lookup<? super T, L> lookup,
      BiFunction<? super T, ? super L, ? extends R> combine) {
    return new Enrichment<>(lookup, combine, true, 100, Duration.ofSeconds(5), Duration.ofSeconds(1), 3,
        Duration.ofMillis(50), Duration.ofSeconds(1), 0.5, Breaker.defaults(), null, Duration.ZERO, Duration.ZERO,
        0, DropReason.ENRICHMENT_FAILED);
  }

  public Enrichment<T, L, R> ordered(boolean inOrder) {
    return new Enrichment<>(lookup, combine, inOrder, capacity, timeout, attemptTimeout, maxAttempts, backoffInitial,
        backoffMax, jitter, breaker, cacheKey, cacheTtl, negativeTtl, cacheMaxEntries, failureReason);
  }

  public Enrichment<T, L, R> capacity(int inFlight) {
    return new Enrichment<>(lookup, combine, ordered, inFlight, timeout, attemptTimeout, maxAttempts, backoffInitial,
        backoffMax, jitter, breaker, cacheKey, cacheTtl, negativeTtl, cacheMaxEntries, failureReason);
  }

  /** The overall timeout and the per-attempt one. */
  public Enrichment<T, L, R> timeouts(Duration overall, Duration perAttempt) {
    return new Enrichment<>(lookup, combine, ordered, capacity, overall, perAttempt, maxAttempts, backoffInitial,
        backoffMax, jitter, breaker, cacheKey, cacheTtl, negativeTtl, cacheMaxEntries, failureReason);
  }

  /** Attempts and the backoff between them. */
  public Enrichment<T, L, R> retries(int attempts, Duration initial, Duration max, double jitterFraction) {
    return new Enrichment<>(lookup, combine, ordered, capacity, timeout, attemptTimeout, attempts, initial, max,
        jitterFraction, breaker, cacheKey, cacheTtl, negativeTtl, cacheMaxEntries, failureReason);
  }

  /** The circuit breaker (null: none). */
  public Enrichment<T, L, R> breaker(Breaker b) {
    return new Enrichment<>(lookup, combine, ordered, capacity, timeout, attemptTimeout, maxAttempts, backoffInitial,
        backoffMax, jitter, b, cacheKey, cacheTtl, negativeTtl, cacheMaxEntries, failureReason);
  }

  /** The dead-letter reason of a failed lookup. */
  public Enrichment<T, L, R> failureReason(DropReason reason) {
    return new Enrichment<>(lookup, combine, ordered, capacity, timeout, attemptTimeout, maxAttempts, backoffInitial,
        backoffMax, jitter, breaker, cacheKey, cacheTtl, negativeTtl, cacheMaxEntries, reason);
  }

  /** A TTL cache by {@code key}, with negative caching for "none found". */
  public Enrichment<T, L, R> cache(Function<? super T, ?> key, Duration ttl, Duration negative, int maxEntries) {
    return new Enrichment<>(lookup, combine, ordered, capacity, timeout, attemptTimeout, maxAttempts, backoffInitial,
        backoffMax, jitter, breaker, Objects.requireNonNull(key, "key"), ttl, negative, maxEntries, failureReason);
  }
}
