package io.datawarehouse.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.streaming.internal.PipelineTask;
import io.datawarehouse.testkit.ManualTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Known expected results per window type, lateness, idle advance and the drop policy. */
class WindowsTest {
  private final Sinks.Collecting<WindowResult<String, Long>> out = Sinks.collecting();
  private final Sinks.Collecting<DeadLetter> dead = Sinks.collecting();

  private Pipeline countPipeline(List<Event> events, long delayMs, WindowSpec spec, long latenessMs) {
    Pipeline.Builder b = Pipeline.builder("test");
    b.source(Sources.of(events), WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(delayMs), Event::ts))
        .keyBy(Event::key)
        .window(spec)
        .allowedLateness(Duration.ofMillis(latenessMs))
        .aggregate(Aggregations.<Event>count())
        .to(out);
    return b.deadLetters(dead).build();
  }

  private static WindowResult<String, Long> r(String key, long start, long end, long count, int update) {
    return new WindowResult<>(key, start, end, count, update);
  }

  @Test
  void tumbling_outOfOrderWithinBound_countsPerWindow() throws Exception {
    List<Event> in = List.of(Event.of("a", 1), Event.of("a", 7), Event.of("a", 3), Event.of("a", 12),
        Event.of("a", 9), Event.of("a", 25));
    Harness.runToEnd(countPipeline(in, 5, WindowSpec.tumbling(Duration.ofMillis(10)), 0), RunOptions.defaults());
    assertThat(out.items()).containsExactly(r("a", 0, 10, 4, 0), r("a", 10, 20, 1, 0), r("a", 20, 30, 1, 0));
    assertThat(dead.items()).isEmpty();
  }

  @Test
  void tumbling_firesWhenWatermarkPassesEnd_notBefore() throws Exception {
    List<Event> in = List.of(Event.of("a", 1), Event.of("a", 14), Event.of("a", 15));
    try (PipelineTask t = countPipeline(in, 5, WindowSpec.tumbling(Duration.ofMillis(10)), 0)
        .newTask(RunOptions.defaults().withBatchSize(1))) {
      t.open();
      t.pollOnce();
      t.pollOnce(); // ts 14: watermark 8, window [0,10) still open
      assertThat(out.items()).isEmpty();
      t.pollOnce(); // ts 15: watermark 9 = end - 1
      assertThat(out.items()).containsExactly(r("a", 0, 10, 1, 0));
    }
  }

  @Test
  void sliding_recordInEveryOverlappingWindow() throws Exception {
    List<Event> in = List.of(Event.of("a", 1), Event.of("a", 6), Event.of("a", 12));
    Harness.runToEnd(countPipeline(in, 0, WindowSpec.sliding(Duration.ofMillis(10), Duration.ofMillis(5)), 0),
        RunOptions.defaults());
    assertThat(out.items()).containsExactly(r("a", -5, 5, 1, 0), r("a", 0, 10, 2, 0), r("a", 5, 15, 2, 0),
        r("a", 10, 20, 1, 0));
  }

  @Test
  void session_outOfOrder_sessionsPerKey() throws Exception {
    List<Event> in = List.of(Event.of("a", 3), Event.of("a", 1), Event.of("b", 2), Event.of("a", 14),
        Event.of("a", 10), Event.of("a", 30));
    Harness.runToEnd(countPipeline(in, 5, WindowSpec.session(Duration.ofMillis(5)), 0), RunOptions.defaults());
    assertThat(out.items()).containsExactlyInAnyOrder(r("a", 1, 8, 2, 0), r("b", 2, 7, 1, 0), r("a", 10, 19, 2, 0),
        r("a", 30, 35, 1, 0));
  }

  @Test
  void session_recordBridgingTwoSessions_mergesThem() throws Exception {
    List<Event> in = List.of(Event.of("a", 1), Event.of("a", 9), Event.of("a", 5));
    Harness.runToEnd(countPipeline(in, 5, WindowSpec.session(Duration.ofMillis(5)), 0), RunOptions.defaults());
    assertThat(out.items()).containsExactly(r("a", 1, 14, 3, 0));
  }

  @Test
  void session_recordExactlyGapAfter_startsNewSession() throws Exception {
    List<Event> in = List.of(Event.of("a", 1), Event.of("a", 6));
    Harness.runToEnd(countPipeline(in, 0, WindowSpec.session(Duration.ofMillis(5)), 0), RunOptions.defaults());
    assertThat(out.items()).containsExactly(r("a", 1, 6, 1, 0), r("a", 6, 11, 1, 0));
  }

  @Test
  void tumbling_lateWithinLateness_updates_beyondLateness_deadLetter() throws Exception {
    List<Event> in = List.of(Event.of("a", 1), Event.of("a", 5), Event.of("a", 15), Event.of("a", 3),
        Event.of("b", 7), Event.of("a", 25), Event.of("a", 4));
    Harness.runToEnd(countPipeline(in, 0, WindowSpec.tumbling(Duration.ofMillis(10)), 10), RunOptions.defaults());
    assertThat(out.items()).containsExactly(
        r("a", 0, 10, 2, 0), // on time, at watermark 14
        r("a", 0, 10, 3, 1), // a@3 late, within lateness: update 1
        r("b", 0, 10, 1, 0), // b@7 late, first result of key b in that window
        r("a", 10, 20, 1, 0),
        r("a", 20, 30, 1, 0));
    assertThat(dead.items()).singleElement().satisfies(d -> {
      assertThat(d.reason()).isEqualTo(DropReason.TOO_LATE);
      assertThat(d.pipeline()).isEqualTo("test");
      assertThat(d.operator()).isEqualTo("window#1");
      assertThat(d.windowStart()).isEqualTo(0L);
      assertThat(d.windowEnd()).isEqualTo(10L);
      assertThat(d.watermark()).isEqualTo(24L);
      assertThat(d.attempts()).isEqualTo(1);
      assertThat(d.eventTime()).isEqualTo(4L);
      assertThat(d.record().get("key").asText()).isEqualTo("a");
      assertThat(d.detail()).contains("allowed lateness 10ms");
    });
  }

  @Test
  void tumbling_zeroLateness_lateRecordIsDeadLetter() throws Exception {
    List<Event> in = List.of(Event.of("a", 1), Event.of("a", 15), Event.of("a", 3));
    Harness.runToEnd(countPipeline(in, 0, WindowSpec.tumbling(Duration.ofMillis(10)), 0), RunOptions.defaults());
    assertThat(out.items()).containsExactly(r("a", 0, 10, 1, 0), r("a", 10, 20, 1, 0));
    assertThat(dead.items()).extracting(DeadLetter::reason).containsExactly(DropReason.TOO_LATE);
  }

  @Test
  void session_lateWithinLateness_updatesMergedSession_beyond_deadLetter() throws Exception {
    List<Event> in = List.of(Event.of("a", 1), Event.of("a", 20), Event.of("a", 3), Event.of("a", 40),
        Event.of("a", 2));
    Harness.runToEnd(countPipeline(in, 0, WindowSpec.session(Duration.ofMillis(5)), 20), RunOptions.defaults());
    assertThat(out.items()).containsExactly(
        r("a", 1, 6, 1, 0), // fired at watermark 19, kept until 5 + 20
        r("a", 1, 8, 2, 1), // a@3 extends the fired session: an update of it
        r("a", 20, 25, 1, 0),
        r("a", 40, 45, 1, 0));
    assertThat(dead.items()).singleElement().satisfies(d -> {
      assertThat(d.reason()).isEqualTo(DropReason.TOO_LATE);
      // the session [1, 8) was purged at watermark 27: a@2 would open [2, 7), closed long ago
      assertThat(d.windowStart()).isEqualTo(2L);
      assertThat(d.windowEnd()).isEqualTo(7L);
      assertThat(d.watermark()).isEqualTo(39L);
    });
  }

  @Test
  void idleSource_watermarkAdvancesWithWallClock_closesWindow() throws Exception {
    ManualTime time = new ManualTime();
    long t0 = time.currentTimeMillis();
    QueueSource<Event> q = Sources.queue(16);
    Pipeline.Builder b = Pipeline.builder("idle");
    b.source(q, WatermarkStrategy.<Event>boundedOutOfOrderness(Duration.ofSeconds(2), Event::ts)
            .withIdleTimeout(Duration.ofSeconds(5)))
        .keyBy(Event::key).window(WindowSpec.tumbling(Duration.ofSeconds(10)))
        .aggregate(Aggregations.<Event>count()).to(out);
    long windowStart = t0 - Math.floorMod(t0, 10_000);
    try (PipelineTask t = b.deadLetters(dead).build().newTask(RunOptions.defaults().withTime(time)
        .withPollWait(Duration.ZERO))) {
      t.open();
      long ts = windowStart + 3_000;
      q.put(Event.of("a", ts), Duration.ZERO);
      t.pollOnce();
      // quiet for less than the idle timeout: nothing moves
      time.advance(Duration.ofSeconds(4));
      t.pollOnce();
      assertThat(t.watermark()).isEqualTo(ts - 2_001);
      // idle: watermark = maxTs + quiet - 2s - 1ms; the window [s, s+10s) closes at quiet = 9s
      time.advance(Duration.ofSeconds(4));
      t.pollOnce();
      assertThat(t.watermark()).isEqualTo(ts + 8_000 - 2_001);
      assertThat(out.items()).isEmpty();
      time.advance(Duration.ofSeconds(1));
      t.pollOnce();
      assertThat(out.items()).containsExactly(r("a", windowStart, windowStart + 10_000, 1, 0));
    }
  }

  @Test
  void noIdleTimeout_quietSourceHoldsWindowsOpen() throws Exception {
    ManualTime time = new ManualTime();
    QueueSource<Event> q = Sources.queue(16);
    Pipeline.Builder b = Pipeline.builder("quiet");
    b.source(q, WatermarkStrategy.boundedOutOfOrderness(Duration.ofSeconds(2), Event::ts))
        .keyBy(Event::key).window(WindowSpec.tumbling(Duration.ofSeconds(10)))
        .aggregate(Aggregations.<Event>count()).to(out);
    try (PipelineTask t = b.build().newTask(RunOptions.defaults().withTime(time).withPollWait(Duration.ZERO))) {
      t.open();
      q.put(Event.of("a", 1_000), Duration.ZERO);
      t.pollOnce();
      time.advance(Duration.ofHours(1));
      t.pollOnce();
      assertThat(out.items()).isEmpty();
      q.end();
      assertThat(t.pollOnce()).isEqualTo(Source.END);
      assertThat(out.items()).containsExactly(r("a", 0, 10_000, 1, 0));
    }
  }
}
