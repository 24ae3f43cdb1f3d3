package io.datawarehouse.streaming.internal;

import io.datawarehouse.streaming.Aggregation;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.Sink;
import io.datawarehouse.streaming.Source;
import io.datawarehouse.streaming.WatermarkStrategy;
import io.datawarehouse.streaming.WindowSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One step of a pipeline's graph as the DSL declares it: a tree rooted at the source whose leaves
 * are sinks. {@link PipelineTask} compiles it into a chain of {@link Downstream}s.
 *
 * <p>The name ({@code "map#2"}) identifies the step in dead letters, metrics and checkpoints; it is
 * derived from the position in the graph, so a restarted pipeline with the same graph finds its
 * state again and a changed graph is detected.
 */
public abstract sealed class Node {
  private final String name;
  private final List<Node> children = new ArrayList<>();

  Node(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public List<Node> children() {
    return children;
  }

  /** Adds a child and returns it. */
  public <N extends Node> N add(N child) {
    children.add(child);
    return child;
  }

  /** The kind of step, for fingerprints ("map", "window"...). */
  public String kind() {
    int hash = name.indexOf('#');
    return hash < 0 ? name : name.substring(0, hash);
  }

  /** The source. */
  public static final class SourceNode extends Node {
    public final Source<?> source;
    public final WatermarkStrategy<?> watermarks;

    public SourceNode(Source<?> source, WatermarkStrategy<?> watermarks) {
      super("source");
      this.source = source;
      this.watermarks = watermarks;
    }
  }

  /** map. */
  public static final class MapNode extends Node {
    public final Function<Object, Object> fn;

    @SuppressWarnings("unchecked")
    public MapNode(String name, Function<?, ?> fn) {
      super(name);
      this.fn = (Function<Object, Object>) fn;
    }
  }

  /** filter. */
  public static final class FilterNode extends Node {
    public final Predicate<Object> predicate;

    @SuppressWarnings("unchecked")
    public FilterNode(String name, Predicate<?> predicate) {
      super(name);
      this.predicate = (Predicate<Object>) predicate;
    }
  }

  /** flatMap. */
  public static final class FlatMapNode extends Node {
    public final Function<Object, Iterable<?>> fn;

    @SuppressWarnings("unchecked")
    public FlatMapNode(String name, Function<?, ? extends Iterable<?>> fn) {
      super(name);
      this.fn = (Function<Object, Iterable<?>>) fn;
    }
  }

  /** A keyed window with its aggregation. */
  public static final class WindowNode extends Node {
    public final Function<Object, Object> key;
    public final Codec<Object> keyCodec;
    public final WindowSpec spec;
    public final long allowedLatenessMillis;
    public final Aggregation<Object, Object, Object> aggregation;

    @SuppressWarnings("unchecked")
    public WindowNode(String name, Function<?, ?> key, Codec<?> keyCodec, WindowSpec spec,
        long allowedLatenessMillis, Aggregation<?, ?, ?> aggregation) {
      super(name);
      this.key = (Function<Object, Object>) key;
      this.keyCodec = (Codec<Object>) keyCodec;
      this.spec = spec;
      this.allowedLatenessMillis = allowedLatenessMillis;
      this.aggregation = (Aggregation<Object, Object, Object>) aggregation;
    }
  }

  /** A sink. */
  public static final class SinkNode extends Node {
    public final Sink<Object> sink;

    @SuppressWarnings("unchecked")
    public SinkNode(String name, Sink<?> sink) {
      super(name);
      this.sink = (Sink<Object>) sink;
    }
  }

  /**
   * An operator supplied as a factory (enrichment, stream analysis): the factory builds the
   * operator in front of its downstream when the task is compiled.
   */
  public static final class CustomNode extends Node {
    public final OperatorFactory factory;

    public CustomNode(String name, OperatorFactory factory) {
      super(name);
      this.factory = factory;
    }
  }

  /** Builds an operator for a {@link CustomNode}. */
  @FunctionalInterface
  public interface OperatorFactory {
    Downstream<Object> create(String name, TaskContext context, Downstream<Object> downstream);
  }
}
