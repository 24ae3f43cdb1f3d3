package io.datawarehouse.streaming;

import io.datawarehouse.streaming.internal.PipelineTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Runs pipelines synchronously on the test thread. */
final class Harness {
  private Harness() {}

  /** Opens a task for {@code p}, polls until the source ends, closes it. */
  static void runToEnd(Pipeline p, RunOptions options) throws Exception {
    try (PipelineTask t = p.newTask(options)) {
      t.open();
      while (t.pollOnce() != Source.END) {
        // keep polling
      }
    }
  }

  /** A sink that keeps results in a list and can be cut back: an exactly-once sink for tests. */
  static final class RewindableSink<T> implements Sink<T> {
    final List<T> items = new ArrayList<>();
    int flushed;

    @Override
    public void write(T value, long timestamp) {
      items.add(value);
    }

    @Override
    public void flush() {
      flushed = items.size();
    }

    @Override
    public long position() {
      return items.size();
    }

    @Override
    public void rewind(long position) {
      while (items.size() > position) {
        items.remove(items.size() - 1);
      }
    }

    @Override
    public void close() throws IOException {}
  }
}
