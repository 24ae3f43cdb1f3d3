package io.datawarehouse.streaming.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.streaming.DeadLetter;
import io.datawarehouse.streaming.DropReason;
import io.datawarehouse.streaming.RunOptions;
import io.datawarehouse.streaming.Sink;
import io.datawarehouse.streaming.Source;
import io.datawarehouse.streaming.SourceCollector;
import io.datawarehouse.streaming.WatermarkStrategy;
import io.datawarehouse.streaming.WindowSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pipeline compiled into a chain of operators, driven by one thread: the {@link
 * PipelineRunner}'s, or a test's. Not thread-safe: every method is called from the driving thread.
 *
 * <p>Design: the graph of {@link Node}s becomes a push chain of {@link Downstream}s (fan-out where
 * a stream branches). For each record the task reads its event time, pushes it down the chain,
 * then moves the watermark ({@code maxEventTime - maxOutOfOrderness - 1}) and pushes that down
 * when it grew. The watermark is moved after the record, per record, so lateness depends only on
 * the order of the input, never on batch boundaries; a replay after a restore therefore produces
 * the same results.
 *
 * <p>Checkpoints are taken between records: operators finish in-flight work, sinks flush, then
 * source position, watermark, sink positions and operator states are written together.
 */
public final class PipelineTask implements java.io.Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineTask.class);
  /** The dead-letter sink's name in checkpoints. */
  static final String DEAD_LETTERS = "deadletters";

  private final String name;
  private final RunOptions options;
  private final Source<Object> source;
  private final ToLongFunction<Object> timestamps;
  private final long delay;
  private final long idleTimeout;
  private final TaskMetrics metrics = new TaskMetrics();
  private final TaskContext ctx;
  private final Map<String, Sink<?>> sinks = new LinkedHashMap<>();
  private final List<Stateful> stateful = new ArrayList<>();
  private final StringBuilder fingerprint = new StringBuilder();
  private final Downstream<Object> head;
  private final SourceCollector<Object> collector;

  private long maxEventTime = Long.MIN_VALUE;
  private long watermark = Long.MIN_VALUE;
  private long lastArrival;
  private long checkpointId;
  private boolean opened;
  private boolean ended;

  @SuppressWarnings("unchecked")
  public PipelineTask(String name, Node.SourceNode root, Sink<DeadLetter> deadLetters, RunOptions options) {
    this.name = name;
    this.options = options;
    this.source = (Source<Object>) root.source;
    WatermarkStrategy<Object> wm = (WatermarkStrategy<Object>) root.watermarks;
    this.timestamps = wm.timestamps()::applyAsLong;
    this.delay = wm.maxOutOfOrderness().toMillis();
    this.idleTimeout = wm.idleTimeout().toMillis();
    Sink<DeadLetter> dl = deadLetters != null ? deadLetters : DefaultDeadLetters.forRun(name, options.stateDir());
    sinks.put(DEAD_LETTERS, dl);
    this.ctx = new TaskContext(name, options.time(), metrics, dl);
    this.head = compileChildren(root);
    this.collector = new SourceCollector<>() {
      @Override
      public void accept(Object record) {
        process(record);
      }

      @Override
      public void reject(byte[] payload, String problem) {
        metrics.recordIn();
        ctx.deadLetter("source", DropReason.BAD_PAYLOAD, problem, null, null, watermark, 1, null, payload);
      }
    };
  }

  private Downstream<Object> compileChildren(Node n) {
    List<Downstream<Object>> targets = new ArrayList<>();
    for (Node c : n.children()) {
      targets.add(compile(c));
    }
    return targets.size() == 1 ? targets.get(0) : new Operators.Broadcast(targets);
  }

  private Downstream<Object> compile(Node n) {
    fingerprint.append(n.name());
    if (n instanceof Node.WindowNode w) {
      fingerprint.append('(').append(w.spec).append(",lateness=").append(w.allowedLatenessMillis).append(')');
    }
    fingerprint.append(';');
    if (n instanceof Node.SinkNode s) {
      sinks.put(s.name(), s.sink);
      return new Operators.SinkOp(s.name(), ctx, s.sink);
    }
    Downstream<Object> next = compileChildren(n);
    return switch (n) {
      case Node.MapNode m -> new Operators.MapOp(m.name(), ctx, next, m.fn);
      case Node.FilterNode f -> new Operators.FilterOp(f.name(), ctx, next, f.predicate);
      case Node.FlatMapNode f -> new Operators.FlatMapOp(f.name(), ctx, next, f.fn);
      case Node.WindowNode w -> window(w, next);
      case Node.CustomNode c -> {
        Downstream<Object> op = c.factory.create(c.name(), ctx, next);
        if (op instanceof Stateful s) {
          stateful.add(s);
        }
        yield op;
      }
      default -> throw new IllegalStateException("cannot compile " + n.name());
    };
  }

  private Downstream<Object> window(Node.WindowNode w, Downstream<Object> next) {
    Downstream<Object> op = switch (w.spec) {
      case WindowSpec.Tumbling t -> new AlignedWindowOperator(w.name(), ctx, next, w.key, w.keyCodec,
          w.aggregation, t.sizeMillis(), t.sizeMillis(), t.offsetMillis(), w.allowedLatenessMillis);
      case WindowSpec.Sliding s -> new AlignedWindowOperator(w.name(), ctx, next, w.key, w.keyCodec,
          w.aggregation, s.sizeMillis(), s.slideMillis(), s.offsetMillis(), w.allowedLatenessMillis);
      case WindowSpec.Session s -> new SessionWindowOperator(w.name(), ctx, next, w.key, w.keyCodec,
          w.aggregation, s.gapMillis(), w.allowedLatenessMillis);
    };
    stateful.add((Stateful) op);
    return op;
  }

  public String name() {
    return name;
  }

  public TaskMetrics metrics() {
    return metrics;
  }

  public RunOptions options() {
    return options;
  }

  public long watermark() {
    return watermark;
  }

  public long sourcePosition() {
    return source.position();
  }

  /** The source's backpressure time (any thread). */
  public long sourceBackpressureNanos() {
    return source.backpressureNanos();
  }

  /** Whether the source has ended and every window was flushed. */
  public boolean ended() {
    return ended;
  }

  /**
   * Opens sinks and source and restores the last checkpoint of the state directory, if any.
   *
   * @return the restored checkpoint, or null
   */
  public Checkpoint open() throws Exception {
    if (opened) {
      throw new IllegalStateException("pipeline '" + name + "' is already open");
    }
    opened = true;
    for (Sink<?> s : sinks.values()) {
      s.open(name);
    }
    source.open(name);
    lastArrival = options.time().currentTimeMillis();
    Path dir = options.stateDir();
    Checkpoint cp = dir == null ? null : Checkpoint.read(dir);
    if (cp != null) {
      restore(cp);
    }
    metrics.publish(watermark, source.position());
    return cp;
  }

  private void restore(Checkpoint cp) throws Exception {
    String where = options.stateDir().resolve(Checkpoint.FILE).toString();
    if (!cp.pipeline().equals(name) || !cp.fingerprint().equals(fingerprint.toString())) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, where + " was written by pipeline '" + cp.pipeline()
          + "' with steps [" + cp.fingerprint() + "], but this is pipeline '" + name + "' with steps ["
          + fingerprint + "]; its state cannot be reused: delete the state directory to start over");
    }
    if (source.seekable()) {
      source.seek(cp.sourcePosition());
    } else {
      LOG.warn("pipeline '{}': its source cannot seek; resuming where the source is instead of at position {}"
          + " of checkpoint {} (records since that checkpoint are not replayed)", name, cp.sourcePosition(), cp.id());
    }
    for (Map.Entry<String, Long> e : cp.sinkPositions().entrySet()) {
      Sink<?> s = sinks.get(e.getKey());
      if (s == null) {
        throw DwException.integrity(where + ": names sink '" + e.getKey() + "' which the pipeline does not have");
      }
      s.rewind(e.getValue());
    }
    for (Stateful s : stateful) {
      byte[] state = cp.states().get(s.name());
      if (state == null) {
        throw DwException.integrity(where + ": has no state for operator '" + s.name() + "'");
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
        s.restore(in, cp.watermark());
        if (in.available() != 0) {
          throw new IOException(in.available() + " bytes left over");
        }
      } catch (IOException | RuntimeException e) {
        throw DwException.integrity(where + ": state of operator '" + s.name() + "' is malformed: " + e.getMessage(), e);
      }
    }
    maxEventTime = cp.maxEventTime();
    watermark = cp.watermark();
    ctx.watermark(watermark);
    ended = watermark == Long.MAX_VALUE;
    checkpointId = cp.id();
    LOG.info("pipeline '{}': restored checkpoint {} (source position {}, watermark {})", name, cp.id(),
        cp.sourcePosition(), cp.watermark());
  }

  /**
   * Pulls one batch from the source and processes it.
   *
   * @return records handed over, 0 when none came within the poll wait, {@link Source#END} at the
   *     end of the source (after which every window has been flushed)
   */
  public int pollOnce() throws Exception {
    int n = source.poll(options.batchSize(), options.pollWait(), collector);
    head.poll();
    long now = options.time().currentTimeMillis();
    if (n > 0) {
      lastArrival = now;
    } else if (n == Source.END) {
      endOfInput();
    } else {
      onIdle(now);
    }
    metrics.publish(watermark, source.position());
    return n;
  }

  /** Processes one record as if the source had just handed it over. */
  public void process(Object record) {
    metrics.recordIn();
    long ts;
    try {
      ts = timestamps.applyAsLong(record);
    } catch (RuntimeException e) {
      ctx.deadLetter("source", DropReason.POISON, TaskContext.describe("the timestamp function", e), null, null,
          watermark, 1, null, record);
      return;
    }
    head.accept(record, ts);
    if (ts > maxEventTime) {
      maxEventTime = ts;
      long wm = Saturating.subtract(ts, delay + 1);
      if (wm > watermark) {
        advanceTo(wm);
      }
    }
  }

  /** Notes that records arrived at {@code nowMillis} (for idle detection). */
  public void markArrival(long nowMillis) {
    lastArrival = nowMillis;
  }

  /**
   * Idle advance: when nothing arrived for the idle timeout, moves the watermark as if event time
   * followed the wall clock since the last arrival.
   *
   * @return true when the watermark moved
   */
  public boolean onIdle(long nowMillis) {
    if (idleTimeout <= 0 || maxEventTime == Long.MIN_VALUE || ended) {
      return false;
    }
    long quiet = nowMillis - lastArrival;
    if (quiet < idleTimeout) {
      return false;
    }
    long wm = Saturating.subtract(Saturating.add(maxEventTime, quiet), delay + 1);
    if (wm > watermark) {
      advanceTo(wm);
      return true;
    }
    return false;
  }

  /** The source ended: moves the watermark to the end of time, firing every window. */
  public void endOfInput() {
    if (!ended) {
      advanceTo(Long.MAX_VALUE);
      ended = true;
    }
  }

  private void advanceTo(long wm) {
    watermark = wm;
    ctx.watermark(wm);
    head.watermark(wm);
  }

  /**
   * Takes a checkpoint: finishes in-flight work, flushes the sinks, snapshots state and writes it
   * to the state directory (when there is one).
   */
  public Checkpoint checkpoint() throws Exception {
    head.prepareCheckpoint();
    Map<String, Long> positions = new LinkedHashMap<>();
    for (Map.Entry<String, Sink<?>> e : sinks.entrySet()) {
      e.getValue().flush();
      long p = e.getValue().position();
      if (p >= 0) {
        positions.put(e.getKey(), p);
      }
    }
    Map<String, byte[]> states = new LinkedHashMap<>();
    // without a state directory nothing is written: a checkpoint only flushes the sinks
    for (Stateful s : options.stateDir() == null ? List.<Stateful>of() : stateful) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        s.snapshot(out);
      }
      states.put(s.name(), bytes.toByteArray());
    }
    Checkpoint cp = new Checkpoint(name, fingerprint.toString(), ++checkpointId,
        options.time().currentTimeMillis(), source.position(), maxEventTime, watermark, positions, states);
    if (options.stateDir() != null) {
      cp.write(options.stateDir());
    }
    metrics.checkpointed();
    metrics.publish(watermark, source.position());
    return cp;
  }

  /** Closes the source and every sink; the first failure is thrown, the others added to it. */
  @Override
  public void close() throws IOException {
    head.close();
    IOException first = null;
    List<java.io.Closeable> all = new ArrayList<>();
    all.add(source);
    all.addAll(sinks.values());
    for (java.io.Closeable c : all) {
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        if (first == null) {
          first = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
