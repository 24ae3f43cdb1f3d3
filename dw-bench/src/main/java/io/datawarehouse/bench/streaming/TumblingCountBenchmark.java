package io.datawarehouse.bench.streaming;

import io.datawarehouse.streaming.Aggregations;
import io.datawarehouse.streaming.Pipeline;
import io.datawarehouse.streaming.RunOptions;
import io.datawarehouse.streaming.RunningPipeline;
import io.datawarehouse.streaming.Sink;
import io.datawarehouse.streaming.Source;
import io.datawarehouse.streaming.SourceCollector;
import io.datawarehouse.streaming.WatermarkStrategy;
import io.datawarehouse.streaming.WindowResult;
import io.datawarehouse.streaming.WindowSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Events per second through source → keyBy → 1-second tumbling window count → sink, for 10
 * million events over 10 000 keys (100 000 events per second of event time, so each window holds
 * about 10 events per key), beside the floor for any engine in the same run: the same aggregation
 * as a plain Java loop over the same event objects.
 *
 * <ul>
 *   <li>{@code pipeline}: the streaming engine on its task thread, watermarks per record, results
 *       as {@link WindowResult}s into a sink that hands them to JMH's blackhole.
 *   <li>{@code baseline_plainLoop}: one {@code HashMap<String, long[]>} per window, emitted and
 *       cleared when the window changes.
 * </ul>
 *
 * <p>Score: events per second (one invocation = all 10 M events). Goal: the pipeline at >= 1 M
 * events/s and >= 25% of the plain loop.
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar TumblingCountBenchmark -f 1 -wi 2 -i 3}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
@State(Scope.Benchmark)
public class TumblingCountBenchmark {
  static final int EVENTS = 10_000_000;
  static final int KEYS = 10_000;
  static final long START = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  /** One event: a key and an event time. */
  public record Event(String key, long ts) {}

  private Event[] events;

  @Setup(Level.Trial)
  public void setup() {
    String[] keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "user-" + i;
    }
    SplittableRandom random = new SplittableRandom(42);
    events = new Event[EVENTS];
    for (int i = 0; i < EVENTS; i++) {
      events[i] = new Event(keys[random.nextInt(KEYS)], START + i / 100);
    }
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public void pipeline(Blackhole bh) throws InterruptedException {
    Pipeline.Builder b = Pipeline.builder("bench");
    b.source(new ArraySource(events), WatermarkStrategy.inOrder(Event::ts))
        .keyBy(Event::key)
        .window(WindowSpec.tumbling(Duration.ofSeconds(1)))
        .aggregate(Aggregations.<Event>count())
        .to(new BlackholeSink(bh));
    RunningPipeline r = b.build().start(RunOptions.defaults());
    if (!r.await(Duration.ofMinutes(5)) || r.state() != RunningPipeline.State.FINISHED) {
      throw new IllegalStateException("the pipeline did not finish: " + r.state(), r.failure());
    }
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public void baseline_plainLoop(Blackhole bh) {
    Map<String, long[]> counts = new HashMap<>();
    long window = Long.MIN_VALUE;
    for (Event e : events) {
      long start = e.ts() - Math.floorMod(e.ts(), 1000L);
      if (start != window) {
        emit(counts, window, bh);
        window = start;
      }
      long[] c = counts.get(e.key());
      if (c == null) {
        c = new long[1];
        counts.put(e.key(), c);
      }
      c[0]++;
    }
    emit(counts, window, bh);
  }

  private static void emit(Map<String, long[]> counts, long window, Blackhole bh) {
    for (Map.Entry<String, long[]> c : counts.entrySet()) {
      bh.consume(new WindowResult<>(c.getKey(), window, window + 1000, c.getValue()[0], 0));
    }
    counts.clear();
  }

  /** The events of an array, in order, without copying them. */
  static final class ArraySource implements Source<Event> {
    private final Event[] events;
    private int next;

    ArraySource(Event[] events) {
      this.events = events;
    }

    @Override
    public int poll(int max, Duration wait, SourceCollector<Event> out) {
      if (next >= events.length) {
        return END;
      }
      int end = Math.min(events.length, next + max);
      for (int i = next; i < end; i++) {
        out.accept(events[i]);
      }
      int n = end - next;
      next = end;
      return n;
    }

    @Override
    public long position() {
      return next;
    }

    @Override
    public void seek(long position) {
      next = (int) position;
    }
  }

  /** Hands each result to the blackhole. */
  static final class BlackholeSink implements Sink<WindowResult<String, Long>> {
    private final Blackhole bh;

    BlackholeSink(Blackhole bh) {
      this.bh = bh;
    }

    @Override
    public void write(WindowResult<String, Long> value, long timestamp) {
      bh.consume(value);
    }
  }
}
