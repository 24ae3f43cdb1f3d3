package io.datawarehouse.streaming;

import java.util.Objects;
import java.util.function.Function;

/**
 * A stream partitioned by key: the records of each key are windowed and aggregated apart from the
 * others.
 *
 * @param <K> the key type
 * @param <T> the record type
 */
public final class KeyedStream<K, T> {
  private final Stream<T> stream;
  private final Function<? super T, ? extends K> key;
  private final Codec<K> keyCodec;

  KeyedStream(Stream<T> stream, Function<? super T, ? extends K> key, Codec<K> keyCodec) {
    this.stream = stream;
    this.key = key;
    this.keyCodec = keyCodec;
  }

  /** Event-time windows per key. */
  public WindowedStream<K, T> window(WindowSpec spec) {
    Objects.requireNonNull(spec, "spec");
    return new WindowedStream<>(stream, key, keyCodec, spec);
  }
}
