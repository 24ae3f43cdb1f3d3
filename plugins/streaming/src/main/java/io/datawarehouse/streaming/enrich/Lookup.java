package io.datawarehouse.streaming.enrich;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One asynchronous lookup for a record: a database row, an API answer, a model's prediction.
 * {@link BusLookups} makes them from bus requests ({@code storage.query}, {@code
 * intelligence.infer}).
 *
 * <p>The future completes with the value found, with null when there is none (cached as a
 * negative hit), or fails; a {@link io.datawarehouse.sdk.RetriableDwException} is retried, any
 * other failure (and a NOT_FOUND, which means "none") is not.
 *
 * <p>Called on the pipeline's task thread and on retry threads; must not block.
 *
 * @param <T> the record type
 * @param <L> the looked-up value
 */
@FunctionalInterface
public interface Lookup<T, L> {

  /**
   * Starts the lookup.
   *
   * @param attemptTimeout how long this attempt may take (the rest of the overall timeout, at
   *     most the per-attempt timeout)
   */
  CompletableFuture<L> lookup(T record, Duration attemptTimeout);
}
