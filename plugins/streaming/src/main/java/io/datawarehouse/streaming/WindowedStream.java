package io.datawarehouse.streaming;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.streaming.internal.Node;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * A keyed stream cut into event-time windows, waiting for its aggregation.
 *
 * @param <K> the key type
 * @param <T> the record type
 */
public final class WindowedStream<K, T> {
  private final Stream<T> stream;
  private final Function<? super T, ? extends K> key;
  private final Codec<K> keyCodec;
  private final WindowSpec spec;
  private long allowedLatenessMillis;

  WindowedStream(Stream<T> stream, Function<? super T, ? extends K> key, Codec<K> keyCodec, WindowSpec spec) {
    this.stream = stream;
    this.key = key;
    this.keyCodec = keyCodec;
    this.spec = spec;
  }

  /**
   * How long after a window fired a late record may still update it (default zero). Each update
   * emits the window's new result with a higher {@link WindowResult#update()}; records later than
   * this go to the dead letters with {@link DropReason#TOO_LATE}.
   */
  public WindowedStream<K, T> allowedLateness(Duration lateness) {
    Objects.requireNonNull(lateness, "lateness");
    if (lateness.isNegative()) {
      throw DwException.invalidArgument("allowed lateness must be >= 0, was " + lateness);
    }
    this.allowedLatenessMillis = lateness.toMillis();
    return this;
  }

  /** One result per key and window, aggregated by {@code aggregation}. */
  public <R> Stream<WindowResult<K, R>> aggregate(Aggregation<? super T, ?, R> aggregation) {
    Objects.requireNonNull(aggregation, "aggregation");
    Node.WindowNode n = new Node.WindowNode(stream.builder.nextName("window"), key, keyCodec, spec,
        allowedLatenessMillis, aggregation);
    return new Stream<>(stream.builder, stream.node.add(n));
  }
}
