package io.datawarehouse.streaming;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.streaming.log.DurableLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The pipeline of the crash tests, shared by the test JVM (the uninterrupted run) and {@link
 * #main} (the run that gets killed): a durable-log source of events, a tumbling and a session
 * window per key, each into a durable-log sink.
 */
public final class CrashPipeline {
  private CrashPipeline() {}

  /** Results as text lines "key,start,end,value,update". */
  static final Codec<WindowResult<String, Long>> RESULTS = new Codec<>() {
    @Override
    public byte[] encode(WindowResult<String, Long> r) {
      return (r.key() + "," + r.start() + "," + r.end() + "," + r.value() + "," + r.update())
          .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public WindowResult<String, Long> decode(byte[] bytes) {
      String[] f = new String(bytes, StandardCharsets.UTF_8).split(",");
      if (f.length != 5) {
        throw DwException.invalidArgument("not a result line: " + new String(bytes, StandardCharsets.UTF_8));
      }
      return new WindowResult<>(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
          Integer.parseInt(f[4]));
    }
  };

  /** Writes {@code n} events, up to {@code disorder} ms out of order, to the log in {@code dir}. */
  static void writeInput(Path dir, long seed, int n, long disorder) {
    SplittableRandom random = new SplittableRandom(seed);
    Codec<Event> codec = Codec.json(Event.class);
    try (DurableLog log = DurableLog.open(dir)) {
      for (int i = 0; i < n; i++) {
        long ts = 10_000 + i * 2L - random.nextLong(disorder + 1);
        log.append(codec.encode(new Event("k" + random.nextInt(50), ts, 1, i)), ts);
      }
    }
  }

  /** The pipeline over the input log {@code input}, writing {@code tumbling} and {@code sessions}. */
  static Pipeline build(DurableLog input, DurableLog tumbling, DurableLog sessions, long paceNanos) {
    Source<Event> source = input.source(Codec.json(Event.class), false);
    if (paceNanos > 0) {
      source = paced(source, paceNanos);
    }
    Pipeline.Builder b = Pipeline.builder("crash");
    KeyedStream<String, Event> keyed = b.source(source,
        WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(50), Event::ts)).keyBy(Event::key);
    keyed.window(WindowSpec.tumbling(Duration.ofMillis(100))).allowedLateness(Duration.ofMillis(20))
        .aggregate(Aggregations.<Event>count()).to(tumbling.sink(RESULTS));
    keyed.window(WindowSpec.session(Duration.ofMillis(30))).aggregate(Aggregations.<Event>count())
        .to(sessions.sink(RESULTS));
    return b.build();
  }

  /** A source that parks after each poll, so a test can kill the process mid-stream. */
  private static <T> Source<T> paced(Source<T> s, long paceNanos) {
    return new Source<>() {
      @Override
      public int poll(int max, Duration wait, SourceCollector<T> out) throws Exception {
        int n = s.poll(max, wait, out);
        LockSupport.parkNanos(paceNanos);
        return n;
      }

      @Override
      public long position() {
        return s.position();
      }

      @Override
      public void seek(long position) {
        s.seek(position);
      }
    };
  }

  /** Every record of the log in {@code dir}, decoded. */
  static List<WindowResult<String, Long>> readAll(Path dir) {
    List<WindowResult<String, Long>> out = new ArrayList<>();
    try (DurableLog log = DurableLog.open(dir)) {
      DurableLog.Cursor c = log.new Cursor(log.startOffset());
      List<DurableLog.Entry> batch;
      while (!(batch = log.read(c, 1000)).isEmpty()) {
        batch.forEach(e -> out.add(RESULTS.decode(e.payload())));
      }
    }
    return out;
  }

  /**
   * Runs the pipeline under {@code args[0]} (input/, state/, tumbling/, sessions/) with a pace of
   * {@code args[1]} microseconds per batch, printing "position N" as it goes and "finished" at the
   * end.
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    Path root = Path.of(args[0]);
    long pace = Long.parseLong(args[1]) * 1000;
    try (DurableLog input = DurableLog.open(root.resolve("input"));
        DurableLog tumbling = DurableLog.open(root.resolve("tumbling"));
        DurableLog sessions = DurableLog.open(root.resolve("sessions"))) {
      RunningPipeline r = build(input, tumbling, sessions, pace).start(RunOptions.defaults()
          .withStateDir(root.resolve("state")).withCheckpointInterval(Duration.ofMillis(25)).withBatchSize(50));
      while (!r.await(Duration.ofMillis(2))) {
        System.out.println("position " + r.metrics().sourcePosition());
      }
      if (r.state() != RunningPipeline.State.FINISHED) {
        System.out.println("failed " + r.failure());
        System.exit(2);
      }
      System.out.println("finished " + r.metrics().sourcePosition());
    }
  }
}
