package io.datawarehouse.streaming;

import io.datawarehouse.sdk.DwException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * How a source's records get event times and how the watermark follows them.
 *
 * <p>Bounded out-of-orderness: after a record with event time {@code t}, the watermark is at least
 * {@code t - maxOutOfOrderness - 1}: the pipeline expects no record older than that any more. A
 * window {@code [start, end)} fires when the watermark reaches {@code end - 1}. A record is
 * <em>late</em> when every window it belongs to has fired; within the allowed lateness it updates
 * them, beyond it goes to the dead letters ({@link DropReason#TOO_LATE}).
 *
 * <p>Idle advance: when no record has arrived for {@code idleTimeout} of wall time, event time is
 * assumed to move with the wall clock, so the watermark becomes {@code maxEventTime +
 * (now - lastArrival) - maxOutOfOrderness - 1}; a quiet stream thus still closes its windows. Zero
 * disables it (a quiet stream then holds its windows open until records or the end of input move
 * the watermark).
 *
 * <p>Immutable.
 *
 * @param timestamps the event time of a record, epoch ms
 * @param maxOutOfOrderness how far a record may arrive behind the newest one and still be on time
 * @param idleTimeout quiet time after which the watermark advances with the wall clock; zero for
 *     never
 * @param <T> the record type
 */
public record WatermarkStrategy<T>(
    ToLongFunction<? super T> timestamps, Duration maxOutOfOrderness, Duration idleTimeout) {

  public WatermarkStrategy {
    Objects.requireNonNull(timestamps, "timestamps");
    Objects.requireNonNull(maxOutOfOrderness, "maxOutOfOrderness");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (maxOutOfOrderness.isNegative()) {
      throw DwException.invalidArgument("maxOutOfOrderness must be >= 0, was " + maxOutOfOrderness);
    }
    if (idleTimeout.isNegative()) {
      throw DwException.invalidArgument("idleTimeout must be >= 0, was " + idleTimeout);
    }
  }

  /** Records may arrive up to {@code maxOutOfOrderness} behind the newest; no idle advance. */
  public static <T> WatermarkStrategy<T> boundedOutOfOrderness(
      Duration maxOutOfOrderness, ToLongFunction<? super T> timestamps) {
    return new WatermarkStrategy<>(timestamps, maxOutOfOrderness, Duration.ZERO);
  }

  /** Records arrive in event-time order. */
  public static <T> WatermarkStrategy<T> inOrder(ToLongFunction<? super T> timestamps) {
    return boundedOutOfOrderness(Duration.ZERO, timestamps);
  }

  /** This strategy with idle advance after {@code timeout} without records (zero: never). */
  public WatermarkStrategy<T> withIdleTimeout(Duration timeout) {
    return new WatermarkStrategy<>(timestamps, maxOutOfOrderness, timeout);
  }
}
