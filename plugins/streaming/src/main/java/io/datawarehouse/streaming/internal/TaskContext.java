package io.datawarehouse.streaming.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.streaming.DeadLetter;
import io.datawarehouse.streaming.DropReason;
import io.datawarehouse.streaming.Sink;

/**
 * What the operators of one running pipeline share: its name, time, metrics and the dead-letter
 * sink. Used on the task thread, except {@link #metrics()}.
 */
public final class TaskContext {
  private final String pipeline;
  private final Time time;
  private final TaskMetrics metrics;
  private final Sink<DeadLetter> deadLetters;
  private long watermark = Long.MIN_VALUE;

  TaskContext(String pipeline, Time time, TaskMetrics metrics, Sink<DeadLetter> deadLetters) {
    this.pipeline = pipeline;
    this.time = time;
    this.metrics = metrics;
    this.deadLetters = deadLetters;
  }

  public String pipeline() {
    return pipeline;
  }

  public Time time() {
    return time;
  }

  public TaskMetrics metrics() {
    return metrics;
  }

  /** The pipeline's current watermark (the source's; operators pass it on unchanged). */
  public long watermark() {
    return watermark;
  }

  void watermark(long wm) {
    this.watermark = wm;
  }

  /**
   * Sends a discarded record to the dead letters. The dead-letter sink failing fails the
   * pipeline: a record is never discarded without a trace.
   *
   * @param windowStart start of the record's window, or null
   * @param windowEnd end of the record's window, or null
   */
  public void deadLetter(String operator, DropReason reason, String detail, Long windowStart,
      Long windowEnd, long watermark, int attempts, Long eventTime, Object record) {
    DeadLetter d = new DeadLetter(pipeline, operator, reason, detail, windowStart, windowEnd,
        watermark, attempts, eventTime, DeadLetter.describe(record), time.now());
    try {
      deadLetters.write(d, eventTime == null ? Long.MIN_VALUE : eventTime);
    } catch (Exception e) {
      throw DwException.wrap(e, "pipeline '" + pipeline + "': cannot write a dead letter (" + reason
          + " in " + operator + ")");
    }
    metrics.drop(reason);
  }

  /**
   * The key of {@code value} by {@code keyOf}, or null after sending the record to the dead
   * letters as POISON when the selector throws or returns null.
   */
  public Object keyOrDeadLetter(String operator, java.util.function.Function<Object, Object> keyOf, Object value,
      long ts, long operatorWatermark) {
    try {
      Object key = keyOf.apply(value);
      if (key == null) {
        throw new NullPointerException("the key selector returned null");
      }
      return key;
    } catch (RuntimeException e) {
      deadLetter(operator, DropReason.POISON, describe(operator + " key selector", e), null, null,
          operatorWatermark, 1, ts, value);
      return null;
    }
  }

  /** A user function's failure as a sentence for a dead letter. */
  public static String describe(String operator, Throwable t) {
    return operator + " threw " + t.getClass().getSimpleName()
        + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}
