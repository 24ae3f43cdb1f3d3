package io.datawarehouse.streaming.internal;

/**
 * The push interface between the operators of a compiled pipeline: records with their event time,
 * then watermarks. Called on the task thread only.
 *
 * @param <T> the record type
 */
public interface Downstream<T> {

  /** One record with its event time (epoch ms). */
  void accept(T value, long timestamp);

  /**
   * The watermark moved to {@code watermark}: no record with an event time at or before it is
   * expected any more. Strictly increasing.
   */
  void watermark(long watermark);

  /** Called before a checkpoint: finish or park in-flight work so the state is consistent. */
  default void prepareCheckpoint() {}

  /**
   * Called after every batch and when the source is quiet: emit work finished off the task thread
   * (completed lookups). Forwarded down the chain.
   */
  default void poll() {}

  /** Called when the task closes: release threads and resources. Forwarded down the chain. */
  default void close() {}
}
