package io.datawarehouse.streaming;

import java.time.Duration;

/**
 * Where a pipeline's records come from: a durable log, a bus subscription, an in-memory
 * collection. A source is pulled by the pipeline's one task thread, so a slow pipeline slows the
 * source down (push sources hold records in a bounded queue whose producers wait when it is full).
 *
 * <p>A source has a {@linkplain #position() position}: the offset of the next record. The position
 * goes into every checkpoint and a restart {@linkplain #seek seeks} back to it, so a source that
 * can seek gives exactly-once results; one that cannot ({@link #seekable()} false) resumes where
 * it is and says so.
 *
 * <p>Threading: every method is called from the pipeline's task thread only.
 *
 * @param <T> the record type
 */
public interface Source<T> extends java.io.Closeable {

  /** Returned by {@link #poll} when the source has ended and will never have more records. */
  int END = -1;

  /** Called once before the first poll, with the pipeline's name (for messages). */
  default void open(String pipeline) throws Exception {}

  /**
   * Hands up to {@code max} records to {@code out}, waiting up to {@code wait} when none is
   * available yet.
   *
   * @return how many records (and rejected payloads) were handed over; 0 when none arrived in
   *     time; {@link #END} when the source has ended
   */
  int poll(int max, Duration wait, SourceCollector<T> out) throws Exception;

  /** The offset of the next record {@link #poll} hands over. */
  long position();

  /** Whether {@link #seek} works; a source that cannot seek replays nothing after a restart. */
  default boolean seekable() {
    return true;
  }

  /**
   * Moves to {@code position}, a value {@link #position()} returned before (from a checkpoint).
   *
   * @throws io.datawarehouse.sdk.DwException FAILED_PRECONDITION when the position cannot be
   *     reached (the data was deleted), UNSUPPORTED when the source cannot seek
   */
  void seek(long position);

  /** Time producers spent waiting for room in this source's queue, for metrics (any thread). */
  default long backpressureNanos() {
    return 0;
  }

  /** Releases what the source holds. */
  @Override
  default void close() throws java.io.IOException {}
}
