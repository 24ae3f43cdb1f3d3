package io.datawarehouse.streaming;

/**
 * An incremental aggregate: an accumulator is created per key and window, each record is added to
 * it, accumulators of merging session windows are merged, and the result is read when the window
 * fires. Built-in ones are in {@link Aggregations}.
 *
 * <p>Accumulators may be mutable: {@link #add} and {@link #merge} may change their first argument
 * and return it. {@link #result} must not change the accumulator (a window can fire again after a
 * late record). Accumulators go into checkpoints through {@link #accumulatorCodec()}.
 *
 * <p>Called on the pipeline's task thread only.
 *
 * @param <T> the record type
 * @param <A> the accumulator type
 * @param <R> the result type
 */
public interface Aggregation<T, A, R> {

  /** A new, empty accumulator. */
  A createAccumulator();

  /** {@code acc} with {@code value} added (may be {@code acc} itself, changed). */
  A add(A acc, T value);

  /** The two accumulators combined (may be {@code a}, changed). */
  A merge(A a, A b);

  /** The result of {@code acc}; must not change it. */
  R result(A acc);

  /** How accumulators go into checkpoints. */
  Codec<A> accumulatorCodec();
}
