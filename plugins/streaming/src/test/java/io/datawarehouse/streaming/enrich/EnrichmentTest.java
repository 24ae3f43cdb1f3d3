package io.datawarehouse.streaming.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.streaming.Aggregations;
import io.datawarehouse.streaming.DeadLetter;
import io.datawarehouse.streaming.DropReason;
import io.datawarehouse.streaming.Event;
import io.datawarehouse.streaming.Pipeline;
import io.datawarehouse.streaming.QueueSource;
import io.datawarehouse.streaming.RunOptions;
import io.datawarehouse.streaming.Sinks;
import io.datawarehouse.streaming.Source;
import io.datawarehouse.streaming.Sources;
import io.datawarehouse.streaming.WatermarkStrategy;
import io.datawarehouse.streaming.WindowResult;
import io.datawarehouse.streaming.WindowSpec;
import io.datawarehouse.streaming.internal.PipelineTask;
import io.datawarehouse.testkit.ManualTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Ordering modes, capacity backpressure, retries within one timeout, cache, circuit breaker. */
class EnrichmentTest {
  private final ManualTime time = new ManualTime();
  private final QueueSource<Event> source = Sources.queue(100);
  private final Sinks.Collecting<String> out = Sinks.collecting();
  private final Sinks.Collecting<DeadLetter> dead = Sinks.collecting();
  private PipelineTask task;

  /** A lookup whose answers the test gives by hand; it counts calls and notes the time of each. */
  final class Controlled implements Lookup<Event, String> {
    final Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    final List<Long> callTimes = new CopyOnWriteArrayList<>();
    Function<Event, CompletableFuture<String>> answer;

    @Override
    public CompletableFuture<String> lookup(Event record, Duration attemptTimeout) {
      callTimes.add(time.nanoTime());
      if (answer != null) {
        return answer.apply(record);
      }
      return pending.computeIfAbsent(record.key(), k -> new CompletableFuture<>());
    }

    void complete(String key, String value) {
      await().until(() -> pending.containsKey(key));
      pending.get(key).complete(value);
    }
  }

  private PipelineTask start(Enrichment<Event, String, String> e) throws Exception {
    Pipeline.Builder b = Pipeline.builder("enrich");
    b.source(source, WatermarkStrategy.inOrder(Event::ts)).enrich(e).to(out);
    task = b.deadLetters(dead).build().newTask(RunOptions.defaults().withTime(time).withPollWait(Duration.ZERO));
    task.open();
    return task;
  }

  @AfterEach
  void close() throws Exception {
    if (task != null) {
      task.close();
    }
  }

  private void feed(String... keys) throws Exception {
    for (String k : keys) {
      source.put(Event.of(k, 1), Duration.ZERO);
    }
    task.pollOnce();
  }

  private void pollUntil(java.util.function.BooleanSupplier done) {
    await().until(() -> {
      task.pollOnce();
      return done.getAsBoolean();
    });
  }

  private static String join(Event e, String v) {
    return e.key() + "=" + v;
  }

  @Test
  void ordered_resultsLeaveInInputOrder() throws Exception {
    Controlled lookup = new Controlled();
    start(Enrichment.of(lookup, EnrichmentTest::join).ordered(true));
    feed("a", "b", "c");
    lookup.complete("c", "3");
    lookup.complete("b", "2");
    task.pollOnce();
    assertThat(out.items()).isEmpty();
    lookup.complete("a", "1");
    pollUntil(() -> out.items().size() == 3);
    assertThat(out.items()).containsExactly("a=1", "b=2", "c=3");
  }

  @Test
  void unordered_resultsLeaveAsCompleted() throws Exception {
    Controlled lookup = new Controlled();
    start(Enrichment.of(lookup, EnrichmentTest::join).ordered(false));
    feed("a", "b", "c");
    lookup.complete("c", "3");
    pollUntil(() -> out.items().size() == 1);
    lookup.complete("a", "1");
    pollUntil(() -> out.items().size() == 2);
    lookup.complete("b", "2");
    pollUntil(() -> out.items().size() == 3);
    assertThat(out.items()).containsExactly("c=3", "a=1", "b=2");
  }

  @Test
  void unordered_watermarkNeverOvertakesEarlierRecords() throws Exception {
    Controlled lookup = new Controlled();
    Sinks.Collecting<WindowResult<String, Long>> windows = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("enrich-wm");
    b.source(source, WatermarkStrategy.inOrder(Event::ts))
        .enrich(Enrichment.of(lookup, (Event e, String v) -> e).ordered(false))
        .keyBy(Event::key).window(WindowSpec.tumbling(Duration.ofMillis(10)))
        .aggregate(Aggregations.<Event>count()).to(windows);
    task = b.deadLetters(dead).build().newTask(RunOptions.defaults().withTime(time).withPollWait(Duration.ZERO));
    task.open();
    source.put(Event.of("slow", 1), Duration.ZERO);
    source.put(Event.of("fast", 25), Duration.ZERO); // source watermark moves to 24
    task.pollOnce();
    lookup.complete("fast", "x");
    task.pollOnce();
    lookup.complete("slow", "x");
    source.end();
    pollUntil(task::ended);
    assertThat(dead.items()).as("the slow record was not made late by the watermark").isEmpty();
    assertThat(windows.items()).containsExactlyInAnyOrder(new WindowResult<>("slow", 0, 10, 1L, 0),
        new WindowResult<>("fast", 20, 30, 1L, 0));
  }

  @Test
  void capacityFull_upstreamWaits_untilALookupCompletes() throws Exception {
    Controlled lookup = new Controlled();
    start(Enrichment.of(lookup, EnrichmentTest::join).capacity(2));
    feed("a", "b");
    assertThat(lookup.callTimes).hasSize(2);
    source.put(Event.of("c", 1), Duration.ZERO);
    CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> {
      try {
        return task.pollOnce();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !polled.isDone());
    assertThat(lookup.callTimes).hasSize(2);
    lookup.complete("a", "1");
    assertThat(polled.get()).isEqualTo(1);
    assertThat(lookup.callTimes).hasSize(3);
    assertThat(task.metrics().backpressureNanos()).isPositive();
    assertThat(task.metrics().enrichmentCapacity()).isEqualTo(2);
    assertThat(task.metrics().enrichmentsInFlight()).isEqualTo(2);
  }

  /** The manual time, noting each sleep's generation and wake-up point so a test can step to it. */
  static final class SteppedTime implements io.datawarehouse.sdk.Time {
    final ManualTime manual;
    final java.util.concurrent.atomic.AtomicLong sleeps = new java.util.concurrent.atomic.AtomicLong();
    volatile long wakeAt;

    SteppedTime(ManualTime manual) {
      this.manual = manual;
    }

    @Override
    public java.time.Instant now() {
      return manual.now();
    }

    @Override
    public long nanoTime() {
      return manual.nanoTime();
    }

    @Override
    public void sleep(Duration d) throws InterruptedException {
      wakeAt = manual.nanoTime() + d.toNanos();
      sleeps.incrementAndGet();
      manual.sleep(d);
    }
  }

  @Test
  void retriableFailures_retriedWithBackoff_untilTheOneTimeout() throws Exception {
    SteppedTime stepped = new SteppedTime(time);
    Controlled lookup = new Controlled();
    lookup.answer = e -> CompletableFuture.failedFuture(DwException.of(ErrorCode.UNAVAILABLE, "db down"));
    Pipeline.Builder b = Pipeline.builder("enrich");
    b.source(source, WatermarkStrategy.inOrder(Event::ts)).enrich(Enrichment.of(lookup, EnrichmentTest::join)
        .timeouts(Duration.ofSeconds(1), Duration.ofMillis(500))
        .retries(100, Duration.ofMillis(100), Duration.ofSeconds(10), 0.0)
        .breaker(null)).to(out);
    task = b.deadLetters(dead).build().newTask(RunOptions.defaults().withTime(stepped).withPollWait(Duration.ZERO));
    task.open();
    long t0 = time.nanoTime();
    feed("a");
    long seen = 0;
    while (true) {
      long s = seen;
      await().until(() -> {
        task.pollOnce();
        return !dead.items().isEmpty() || stepped.sleeps.get() > s;
      });
      if (!dead.items().isEmpty()) {
        break;
      }
      seen = stepped.sleeps.get();
      time.advance(Duration.ofNanos(stepped.wakeAt - time.nanoTime()));
    }
    // attempts at 0, 100, 300 and 700 ms; the next wait (800 ms) would end past the 1 s timeout
    List<Long> calls = lookup.callTimes;
    assertThat(calls).hasSize(4);
    long[] expected = {0, 100, 300, 700};
    for (int i = 0; i < calls.size(); i++) {
      assertThat(calls.get(i) - t0).isEqualTo(Duration.ofMillis(expected[i]).toNanos());
    }
    assertThat(dead.items()).singleElement().satisfies(d -> {
      assertThat(d.reason()).isEqualTo(DropReason.ENRICHMENT_FAILED);
      assertThat(d.attempts()).isEqualTo(4);
      assertThat(d.operator()).isEqualTo("enrich#1");
      assertThat(d.detail()).contains("timeout of PT1S").contains("UNAVAILABLE: db down");
    });
  }

  @Test
  void transientFailures_thenSuccess_withinAttempts() throws Exception {
    Controlled lookup = new Controlled();
    lookup.answer = e -> lookup.callTimes.size() < 3
        ? CompletableFuture.failedFuture(DwException.of(ErrorCode.TIMEOUT, "slow"))
        : CompletableFuture.completedFuture("ok");
    start(Enrichment.of(lookup, EnrichmentTest::join).retries(3, Duration.ZERO, Duration.ZERO, 0));
    feed("a");
    pollUntil(() -> out.items().size() == 1);
    assertThat(out.items()).containsExactly("a=ok");
    assertThat(lookup.callTimes).hasSize(3);
  }

  @Test
  void nonRetriableError_deadLetterAfterOneAttempt() throws Exception {
    Controlled lookup = new Controlled();
    lookup.answer = e -> CompletableFuture.failedFuture(DwException.invalidArgument("no column 'x'"));
    start(Enrichment.of(lookup, EnrichmentTest::join));
    feed("a");
    pollUntil(() -> dead.items().size() == 1);
    assertThat(dead.items().get(0).attempts()).isEqualTo(1);
    assertThat(dead.items().get(0).detail()).contains("non-retriable").contains("no column 'x'");
    assertThat(lookup.callTimes).hasSize(1);
  }

  @Test
  void cache_hitsAndNegativeHits_expireAfterTtl() throws Exception {
    Controlled lookup = new Controlled();
    lookup.answer = e -> e.key().equals("missing")
        ? CompletableFuture.failedFuture(DwException.notFound("no row"))
        : CompletableFuture.completedFuture("v-" + e.key());
    start(Enrichment.of(lookup, EnrichmentTest::join)
        .cache(Event::key, Duration.ofMinutes(5), Duration.ofMinutes(1), 100));
    feed("a");
    pollUntil(() -> out.items().size() == 1);
    feed("missing");
    pollUntil(() -> out.items().size() == 2);
    feed("a", "missing", "a");
    pollUntil(() -> out.items().size() == 5);
    assertThat(out.items()).containsExactly("a=v-a", "missing=null", "a=v-a", "missing=null", "a=v-a");
    assertThat(lookup.callTimes).as("one lookup per key while cached").hasSize(2);
    time.advance(Duration.ofMinutes(2)); // the negative entry expires, the positive one not yet
    feed("a", "missing");
    pollUntil(() -> out.items().size() == 7);
    assertThat(lookup.callTimes).hasSize(3);
  }

  @Test
  void cache_sameKeyInFlight_oneLookupSharedInOrder() throws Exception {
    Controlled lookup = new Controlled();
    start(Enrichment.of(lookup, EnrichmentTest::join).cache(Event::key, Duration.ofMinutes(5), Duration.ZERO, 100));
    feed("a", "b", "a", "a");
    assertThat(lookup.callTimes).as("one lookup per distinct key in flight").hasSize(2);
    lookup.complete("a", "1");
    lookup.complete("b", "2");
    pollUntil(() -> out.items().size() == 4);
    assertThat(out.items()).containsExactly("a=1", "b=2", "a=1", "a=1");
    assertThat(task.metrics().enrichmentsInFlight()).isZero();
  }

  @Test
  void breakerOpens_recordsDroppedWithReason_probeAfterWait() throws Exception {
    Controlled lookup = new Controlled();
    boolean[] healthy = {false};
    lookup.answer = e -> healthy[0] ? CompletableFuture.completedFuture("ok")
        : CompletableFuture.failedFuture(DwException.of(ErrorCode.UNAVAILABLE, "service down"));
    start(Enrichment.of(lookup, EnrichmentTest::join).retries(1, Duration.ZERO, Duration.ZERO, 0)
        .breaker(new Enrichment.Breaker(50, 4, 4, Duration.ofSeconds(30), 1)));
    feed("a", "b", "c", "d");
    pollUntil(() -> dead.items().size() == 4);
    assertThat(dead.items()).extracting(DeadLetter::reason).containsOnly(DropReason.ENRICHMENT_FAILED);
    feed("e");
    pollUntil(() -> dead.items().size() == 5);
    assertThat(dead.items().get(4).reason()).isEqualTo(DropReason.CIRCUIT_OPEN);
    assertThat(dead.items().get(4).attempts()).isZero();
    assertThat(lookup.callTimes).as("no lookup while open").hasSize(4);
    healthy[0] = true;
    time.advance(Duration.ofSeconds(31));
    feed("f");
    pollUntil(() -> out.items().size() == 1);
    assertThat(out.items()).containsExactly("f=ok");
  }

  @Test
  void checkpoint_waitsForLookupsInFlight() throws Exception {
    Controlled lookup = new Controlled();
    start(Enrichment.of(lookup, EnrichmentTest::join));
    feed("a");
    CompletableFuture<Void> cp = CompletableFuture.runAsync(() -> {
      try {
        task.checkpoint();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> !cp.isDone());
    lookup.complete("a", "1");
    cp.get();
    assertThat(out.items()).containsExactly("a=1");
    source.end();
    assertThat(task.pollOnce()).isEqualTo(Source.END);
  }
}
