package io.datawarehouse.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.streaming.internal.PipelineTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint and restore in one JVM: a run interrupted after a checkpoint (its work since then
 * thrown away, as a crash would) and resumed from it gives the results of an uninterrupted run.
 * The kill of a real process is {@code CrashRecoveryIT}.
 */
class CheckpointTest {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointTest.class);

  @TempDir
  Path dir;

  static List<Event> shuffledEvents(long seed, int n, long disorder) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Event> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long ts = i * 3L + (disorder == 0 ? 0 : random.nextLong(disorder)) - disorder;
      l.add(new Event("k" + random.nextInt(7), Math.max(0, ts), random.nextInt(100), i));
    }
    return l;
  }

  interface Shape {
    Stream<WindowResult<String, Long>> apply(Stream<Event> s);
  }

  static Pipeline pipeline(List<Event> events, Shape shape, Sink<WindowResult<String, Long>> out,
      Sink<DeadLetter> dead) {
    Pipeline.Builder b = Pipeline.builder("restartable");
    shape.apply(b.source(Sources.of(events), WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(20), Event::ts)))
        .to(out);
    return b.deadLetters(dead).build();
  }

  static final Shape TUMBLING = s -> s.keyBy(Event::key).window(WindowSpec.tumbling(Duration.ofMillis(50)))
      .allowedLateness(Duration.ofMillis(30)).aggregate(Aggregations.<Event>count());
  static final Shape SLIDING = s -> s.keyBy(Event::key)
      .window(WindowSpec.sliding(Duration.ofMillis(60), Duration.ofMillis(20))).aggregate(Aggregations.<Event>count());
  static final Shape SESSION = s -> s.keyBy(Event::key).window(WindowSpec.session(Duration.ofMillis(15)))
      .allowedLateness(Duration.ofMillis(10)).aggregate(Aggregations.<Event>count());

  private void resumeEqualsUninterrupted(Shape shape) throws Exception {
    long seed = System.nanoTime();
    LOG.info("seed {}", seed);
    List<Event> events = shuffledEvents(seed, 3_000, 40);
    Harness.RewindableSink<WindowResult<String, Long>> expected = new Harness.RewindableSink<>();
    Harness.RewindableSink<DeadLetter> expectedDead = new Harness.RewindableSink<>();
    Harness.runToEnd(pipeline(events, shape, expected, expectedDead), RunOptions.defaults().withBatchSize(64));

    SplittableRandom random = new SplittableRandom(seed);
    Harness.RewindableSink<WindowResult<String, Long>> out = new Harness.RewindableSink<>();
    Harness.RewindableSink<DeadLetter> dead = new Harness.RewindableSink<>();
    RunOptions opts = RunOptions.defaults().withStateDir(dir).withBatchSize(64);
    // several crashes: each run checkpoints somewhere, carries on, and dies without a checkpoint
    for (int crash = 0; crash < 4; crash++) {
      try (PipelineTask t = pipeline(events, shape, out, dead).newTask(opts)) {
        t.open();
        int before = random.nextInt(1, 12);
        int after = random.nextInt(0, 12);
        for (int i = 0; i < before; i++) {
          t.pollOnce();
        }
        t.checkpoint();
        for (int i = 0; i < after; i++) {
          t.pollOnce();
        }
      }
    }
    Harness.runToEnd(pipeline(events, shape, out, dead), opts);
    assertThat(out.items).as("seed " + seed).containsExactlyInAnyOrderElementsOf(expected.items);
    assertThat(dead.items).extracting(DeadLetter::eventTime).as("seed " + seed)
        .containsExactlyInAnyOrderElementsOf(expectedDead.items.stream().map(DeadLetter::eventTime).toList());
  }

  @Test
  void tumbling_crashesAfterCheckpoints_resultsEqualUninterruptedRun() throws Exception {
    resumeEqualsUninterrupted(TUMBLING);
  }

  @Test
  void sliding_crashesAfterCheckpoints_resultsEqualUninterruptedRun() throws Exception {
    resumeEqualsUninterrupted(SLIDING);
  }

  @Test
  void session_crashesAfterCheckpoints_resultsEqualUninterruptedRun() throws Exception {
    resumeEqualsUninterrupted(SESSION);
  }

  @Test
  void differentGraph_refusesCheckpoint() throws Exception {
    List<Event> events = shuffledEvents(1, 100, 0);
    try (PipelineTask t = pipeline(events, TUMBLING, Sinks.collecting(), Sinks.collecting())
        .newTask(RunOptions.defaults().withStateDir(dir))) {
      t.open();
      t.pollOnce();
      t.checkpoint();
    }
    PipelineTask other = pipeline(events, SESSION, Sinks.collecting(), Sinks.collecting())
        .newTask(RunOptions.defaults().withStateDir(dir));
    assertThatThrownBy(other::open).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
        .hasMessageContaining("cannot be reused");
    other.close();
  }

  @Test
  void corruptCheckpoint_integrityErrorNamingFile() throws Exception {
    List<Event> events = shuffledEvents(2, 100, 0);
    try (PipelineTask t = pipeline(events, TUMBLING, Sinks.collecting(), Sinks.collecting())
        .newTask(RunOptions.defaults().withStateDir(dir))) {
      t.open();
      t.pollOnce();
      t.checkpoint();
    }
    Path file = dir.resolve("checkpoint");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(file, bytes);
    PipelineTask t = pipeline(events, TUMBLING, Sinks.collecting(), Sinks.collecting())
        .newTask(RunOptions.defaults().withStateDir(dir));
    assertThatThrownBy(t::open).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INTEGRITY))
        .hasMessageContaining(file.toString());
    t.close();
  }
}
