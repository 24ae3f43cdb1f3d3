package io.datawarehouse.streaming;

/**
 * Where a pipeline's results go: a durable log, a bus topic, {@code storage.write}, a collection.
 *
 * <p>Exactly-once: a sink that can {@linkplain #position() tell} and {@linkplain #rewind rewind}
 * its position (the durable log) has that position saved in every checkpoint; after a crash it is
 * cut back to it and the pipeline emits the results since that checkpoint again, so each result
 * is stored once. Other sinks are at-least-once: results since the last checkpoint may be written
 * twice after a crash, with the same {@link WindowResult} content, so a consumer can deduplicate.
 *
 * <p>Threading: every method is called from the pipeline's task thread only. {@link #write} may
 * block; that is backpressure, and the whole pipeline waits.
 *
 * @param <T> the result type
 */
public interface Sink<T> extends java.io.Closeable {

  /** Called once before the first write, with the pipeline's name (for messages). */
  default void open(String pipeline) throws Exception {}

  /**
   * Writes one result.
   *
   * @param value the result
   * @param timestamp its event time (a window result's is the window's last millisecond)
   * @throws Exception when it cannot be written; the pipeline then fails and can be restarted
   *     from its last checkpoint, losing nothing
   */
  void write(T value, long timestamp) throws Exception;

  /** Makes every result written so far durable; called before each checkpoint. */
  default void flush() throws Exception {}

  /** A position to rewind to after a crash, or -1 when the sink cannot rewind. */
  default long position() {
    return -1;
  }

  /**
   * Cuts the sink back to {@code position}, a value {@link #position()} returned when the
   * checkpoint being restored was taken. Only called when that value was not -1.
   */
  default void rewind(long position) throws Exception {}

  /** Flushes and releases what the sink holds. */
  @Override
  default void close() throws java.io.IOException {}
}
