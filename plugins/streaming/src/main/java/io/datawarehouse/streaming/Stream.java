package io.datawarehouse.streaming;

import io.datawarehouse.streaming.internal.Node;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A stream of records in a pipeline being declared. Each method adds a step after this one and
 * returns the stream it produces; calling two methods on the same stream branches it (each record
 * goes to both).
 *
 * <p>A user function that throws on a record does not stop the pipeline: the record goes to the
 * dead letters with {@link DropReason#POISON} and the step's name.
 *
 * @param <T> the record type
 */
public class Stream<T> {
  final Pipeline.Builder builder;
  final Node node;

  Stream(Pipeline.Builder builder, Node node) {
    this.builder = builder;
    this.node = node;
  }

  /** Each record turned into one new record. */
  public <R> Stream<R> map(Function<? super T, ? extends R> fn) {
    Objects.requireNonNull(fn, "fn");
    return new Stream<>(builder, node.add(new Node.MapNode(builder.nextName("map"), fn)));
  }

  /** Only the records for which {@code predicate} holds. */
  public Stream<T> filter(Predicate<? super T> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return new Stream<>(builder, node.add(new Node.FilterNode(builder.nextName("filter"), predicate)));
  }

  /** Each record turned into zero or more records, which keep its event time. */
  public <R> Stream<R> flatMap(Function<? super T, ? extends Iterable<? extends R>> fn) {
    Objects.requireNonNull(fn, "fn");
    return new Stream<>(builder, node.add(new Node.FlatMapNode(builder.nextName("flatMap"), fn)));
  }

  /**
   * The stream partitioned by a key, for windows. Keys of the built-in types (strings, numbers,
   * booleans) go into checkpoints with {@link Codec#keys()}; other key types need {@link
   * #keyBy(Function, Codec)}. Keys must implement {@code equals} and {@code hashCode}.
   */
  public <K> KeyedStream<K, T> keyBy(Function<? super T, ? extends K> key) {
    @SuppressWarnings("unchecked")
    Codec<K> codec = (Codec<K>) Codec.keys();
    return keyBy(key, codec);
  }

  /** The stream partitioned by a key whose checkpoint form is {@code keyCodec}. */
  public <K> KeyedStream<K, T> keyBy(Function<? super T, ? extends K> key, Codec<K> keyCodec) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(keyCodec, "keyCodec");
    return new KeyedStream<>(this, key, keyCodec);
  }

  /** Sends every record to {@code sink}; a stream may go to several sinks. */
  public void to(Sink<? super T> sink) {
    Objects.requireNonNull(sink, "sink");
    node.add(new Node.SinkNode(builder.nextName("sink"), sink));
  }

  /**
   * Each record enriched by an asynchronous lookup (a database row over {@code storage.query}, a
   * prediction over {@code intelligence.infer}); see {@link io.datawarehouse.streaming.enrich.Enrichment}.
   */
  public <L, R> Stream<R> enrich(io.datawarehouse.streaming.enrich.Enrichment<? super T, L, R> enrichment) {
    Objects.requireNonNull(enrichment, "enrichment");
    return via("enrich", io.datawarehouse.streaming.internal.Operators.enrich(enrichment));
  }

  /**
   * A step built by the caller (enrichment, analysis): {@code factory} creates the operator in
   * front of its downstream when the pipeline starts. Internal API for this module's operators.
   */
  public <R> Stream<R> via(String kind, Node.OperatorFactory factory) {
    Objects.requireNonNull(factory, "factory");
    return new Stream<>(builder, node.add(new Node.CustomNode(builder.nextName(kind), factory)));
  }
}
