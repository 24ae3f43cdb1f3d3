package io.datawarehouse.streaming;

import java.util.ArrayList;
import java.util.List;

/** Built-in sinks. The durable log's is {@link io.datawarehouse.streaming.log.DurableLog#sink}. */
public final class Sinks {
  private Sinks() {}

  /** A sink that keeps every result in memory, for embedding and tests. */
  public static <T> Collecting<T> collecting() {
    return new Collecting<>();
  }

  /**
   * Keeps results in a list. At-least-once: it cannot rewind, so after a restore it may hold a
   * result twice. Thread-safe.
   *
   * @param <T> the result type
   */
  public static final class Collecting<T> implements Sink<T> {
    private final List<T> items = new ArrayList<>();

    private Collecting() {}

    @Override
    public synchronized void write(T value, long timestamp) {
      items.add(value);
    }

    /** A copy of what was written so far. */
    public synchronized List<T> items() {
      return new ArrayList<>(items);
    }

    public synchronized void clear() {
      items.clear();
    }
  }
}
