package io.datawarehouse.streaming.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.streaming.DropReason;
import io.datawarehouse.streaming.Sink;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/** The stateless operators: map, filter, flatMap, fan-out and sink. */
public final class Operators {
  private Operators() {}

  /** The factory of an enrichment step. */
  public static Node.OperatorFactory enrich(io.datawarehouse.streaming.enrich.Enrichment<?, ?, ?> spec) {
    return EnrichOperator.factory(spec);
  }

  /** Base of operators that forward watermarks unchanged. */
  abstract static class Forwarding implements Downstream<Object> {
    final String name;
    final TaskContext ctx;
    final Downstream<Object> next;

    Forwarding(String name, TaskContext ctx, Downstream<Object> next) {
      this.name = name;
      this.ctx = ctx;
      this.next = next;
    }

    @Override
    public void watermark(long watermark) {
      next.watermark(watermark);
    }

    @Override
    public void prepareCheckpoint() {
      next.prepareCheckpoint();
    }

    @Override
    public void poll() {
      next.poll();
    }

    @Override
    public void close() {
      next.close();
    }

    void poison(Object value, long ts, RuntimeException e) {
      if (e instanceof DwException dw && dw.getCause() instanceof SinkFailure) {
        throw e; // a sink downstream failed: not this record's fault
      }
      ctx.deadLetter(name, DropReason.POISON, TaskContext.describe(name, e), null, null,
          ctx.watermark(), 1, ts, value);
    }
  }

  static final class MapOp extends Forwarding {
    private final Function<Object, Object> fn;

    MapOp(String name, TaskContext ctx, Downstream<Object> next, Function<Object, Object> fn) {
      super(name, ctx, next);
      this.fn = fn;
    }

    @Override
    public void accept(Object value, long ts) {
      Object out;
      try {
        out = fn.apply(value);
      } catch (RuntimeException e) {
        poison(value, ts, e);
        return;
      }
      next.accept(out, ts);
    }
  }

  static final class FilterOp extends Forwarding {
    private final Predicate<Object> predicate;

    FilterOp(String name, TaskContext ctx, Downstream<Object> next, Predicate<Object> predicate) {
      super(name, ctx, next);
      this.predicate = predicate;
    }

    @Override
    public void accept(Object value, long ts) {
      boolean keep;
      try {
        keep = predicate.test(value);
      } catch (RuntimeException e) {
        poison(value, ts, e);
        return;
      }
      if (keep) {
        next.accept(value, ts);
      }
    }
  }

  static final class FlatMapOp extends Forwarding {
    private final Function<Object, Iterable<?>> fn;

    FlatMapOp(String name, TaskContext ctx, Downstream<Object> next, Function<Object, Iterable<?>> fn) {
      super(name, ctx, next);
      this.fn = fn;
    }

    @Override
    public void accept(Object value, long ts) {
      Object[] outs;
      try {
        Iterable<?> it = fn.apply(value);
        // materialise first: a function that throws half-way emits nothing
        outs = it == null ? new Object[0] : toArray(it);
      } catch (RuntimeException e) {
        poison(value, ts, e);
        return;
      }
      for (Object o : outs) {
        next.accept(o, ts);
      }
    }

    private static Object[] toArray(Iterable<?> it) {
      if (it instanceof java.util.Collection<?> c) {
        return c.toArray();
      }
      java.util.ArrayList<Object> l = new java.util.ArrayList<>();
      it.forEach(l::add);
      return l.toArray();
    }
  }

  /** Sends every record and watermark to several downstreams. */
  static final class Broadcast implements Downstream<Object> {
    private final Downstream<Object>[] targets;

    @SuppressWarnings("unchecked")
    Broadcast(List<Downstream<Object>> targets) {
      this.targets = (Downstream<Object>[]) targets.toArray(new Downstream<?>[0]);
    }

    @Override
    public void accept(Object value, long ts) {
      for (Downstream<Object> t : targets) {
        t.accept(value, ts);
      }
    }

    @Override
    public void watermark(long watermark) {
      for (Downstream<Object> t : targets) {
        t.watermark(watermark);
      }
    }

    @Override
    public void prepareCheckpoint() {
      for (Downstream<Object> t : targets) {
        t.prepareCheckpoint();
      }
    }

    @Override
    public void poll() {
      for (Downstream<Object> t : targets) {
        t.poll();
      }
    }

    @Override
    public void close() {
      for (Downstream<Object> t : targets) {
        t.close();
      }
    }
  }

  /** Marks an exception as a sink's, so operators upstream do not take it for a poison record. */
  static final class SinkFailure extends RuntimeException {
    SinkFailure(Throwable cause) {
      super(cause);
    }
  }

  static final class SinkOp implements Downstream<Object> {
    final String name;
    final Sink<Object> sink;
    private final TaskContext ctx;

    SinkOp(String name, TaskContext ctx, Sink<Object> sink) {
      this.name = name;
      this.ctx = ctx;
      this.sink = sink;
    }

    @Override
    public void accept(Object value, long ts) {
      try {
        sink.write(value, ts);
      } catch (Exception e) {
        throw DwException.of(io.datawarehouse.sdk.ErrorCode.UNAVAILABLE, "pipeline '" + ctx.pipeline()
            + "': " + name + " failed to write: " + e.getMessage(), new SinkFailure(e));
      }
      ctx.metrics().recordOut();
    }

    @Override
    public void watermark(long watermark) {}
  }
}
