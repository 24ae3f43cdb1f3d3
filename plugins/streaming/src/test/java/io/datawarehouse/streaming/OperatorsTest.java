package io.datawarehouse.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.streaming.internal.PipelineTask;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** map / filter / flatMap / keyBy, the aggregations, branching, and poison records. */
class OperatorsTest {
  private final Sinks.Collecting<DeadLetter> dead = Sinks.collecting();

  private static final List<Event> EVENTS = List.of(Event.of("a", 1, 4), Event.of("a", 2, -2),
      Event.of("b", 3, 10), Event.of("a", 4, 7));

  private <R> List<WindowResult<String, R>> aggregate(Aggregation<? super Event, ?, R> agg) throws Exception {
    Sinks.Collecting<WindowResult<String, R>> out = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("agg");
    b.source(Sources.of(EVENTS), WatermarkStrategy.inOrder(Event::ts))
        .keyBy(Event::key).window(WindowSpec.tumbling(Duration.ofMillis(10))).aggregate(agg).to(out);
    Harness.runToEnd(b.deadLetters(dead).build(), RunOptions.defaults());
    return out.items();
  }

  private static <R> WindowResult<String, R> r(String key, R value) {
    return new WindowResult<>(key, 0, 10, value, 0);
  }

  @Test
  void aggregations_perKey() throws Exception {
    assertThat(aggregate(Aggregations.count())).containsExactlyInAnyOrder(r("a", 3L), r("b", 1L));
    assertThat(aggregate(Aggregations.sum(Event::value))).containsExactlyInAnyOrder(r("a", 9.0), r("b", 10.0));
    assertThat(aggregate(Aggregations.sumLong(e -> (long) e.value()))).containsExactlyInAnyOrder(r("a", 9L), r("b", 10L));
    assertThat(aggregate(Aggregations.min(Event::value))).containsExactlyInAnyOrder(r("a", -2.0), r("b", 10.0));
    assertThat(aggregate(Aggregations.max(Event::value))).containsExactlyInAnyOrder(r("a", 7.0), r("b", 10.0));
    assertThat(aggregate(Aggregations.average(Event::value))).containsExactlyInAnyOrder(r("a", 3.0), r("b", 10.0));
    List<WindowResult<String, Event>> maxByValue = aggregate(
        Aggregations.reduce((Event x, Event y) -> x.value() >= y.value() ? x : y, Codec.json(Event.class)));
    assertThat(maxByValue).containsExactlyInAnyOrder(r("a", Event.of("a", 4, 7)), r("b", Event.of("b", 3, 10)));
  }

  @Test
  void mapFilterFlatMap_branches_eachSinkGetsItsRecords() throws Exception {
    Sinks.Collecting<String> upper = Sinks.collecting();
    Sinks.Collecting<Integer> lengths = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("branches");
    Stream<String> words = b.source(Sources.of(List.of("a b", "", "c")), WatermarkStrategy.<String>inOrder(s -> 0))
        .flatMap(s -> List.of(s.split(" "))).filter(s -> !s.isEmpty());
    words.map(s -> s.toUpperCase(java.util.Locale.ROOT)).to(upper);
    words.map(String::length).to(lengths);
    Harness.runToEnd(b.deadLetters(dead).build(), RunOptions.defaults());
    assertThat(upper.items()).containsExactly("A", "B", "C");
    assertThat(lengths.items()).containsExactly(1, 1, 1);
    assertThat(dead.items()).isEmpty();
  }

  @Test
  void userFunctionThrows_recordIsPoison_pipelineContinues() throws Exception {
    Sinks.Collecting<Integer> out = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("poison");
    b.source(Sources.of(List.of("1", "x", "3")), WatermarkStrategy.<String>inOrder(s -> 5))
        .map(Integer::parseInt).to(out);
    Harness.runToEnd(b.deadLetters(dead).build(), RunOptions.defaults());
    assertThat(out.items()).containsExactly(1, 3);
    assertThat(dead.items()).singleElement().satisfies(d -> {
      assertThat(d.reason()).isEqualTo(DropReason.POISON);
      assertThat(d.operator()).isEqualTo("map#1");
      assertThat(d.detail()).contains("NumberFormatException").contains("\"x\"");
      assertThat(d.record().asText()).isEqualTo("x");
      assertThat(d.eventTime()).isEqualTo(5L);
      assertThat(d.attempts()).isEqualTo(1);
    });
  }

  @Test
  void keyOrTimestampThrows_recordIsPoison() throws Exception {
    Sinks.Collecting<WindowResult<String, Long>> out = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("poison-key");
    b.source(Sources.of(List.of(Event.of("a", 1), Event.of(null, 2), Event.of("a", -1))),
            WatermarkStrategy.<Event>inOrder(e -> {
              if (e.ts() < 0) {
                throw new IllegalArgumentException("negative time");
              }
              return e.ts();
            }))
        .keyBy(Event::key).window(WindowSpec.tumbling(Duration.ofMillis(10)))
        .aggregate(Aggregations.<Event>count()).to(out);
    Harness.runToEnd(b.deadLetters(dead).build(), RunOptions.defaults());
    assertThat(out.items()).containsExactly(new WindowResult<>("a", 0, 10, 1L, 0));
    assertThat(dead.items()).extracting(DeadLetter::operator).containsExactly("window#1", "source");
    assertThat(dead.items()).extracting(DeadLetter::reason).containsOnly(DropReason.POISON);
  }

  @Test
  void sourceRejectsPayload_badPayloadDeadLetter() throws Exception {
    QueueSource<String> q = Sources.queue(4);
    Sinks.Collecting<String> out = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("bad");
    b.source(q, WatermarkStrategy.<String>inOrder(s -> 0)).to(out);
    q.put("ok", Duration.ZERO);
    q.reject("{not json".getBytes(StandardCharsets.UTF_8), "not JSON: unexpected end", Duration.ZERO);
    q.end();
    Harness.runToEnd(b.deadLetters(dead).build(), RunOptions.defaults());
    assertThat(out.items()).containsExactly("ok");
    assertThat(dead.items()).singleElement().satisfies(d -> {
      assertThat(d.reason()).isEqualTo(DropReason.BAD_PAYLOAD);
      assertThat(d.operator()).isEqualTo("source");
      assertThat(d.record().asText()).isEqualTo("{not json");
      assertThat(d.detail()).isEqualTo("not JSON: unexpected end");
    });
  }

  @Test
  void deadLetterSinkFails_pipelineFails_recordNotSilentlyLost() throws Exception {
    Pipeline.Builder b = Pipeline.builder("dl-fails");
    b.source(Sources.of(List.of("x")), WatermarkStrategy.<String>inOrder(s -> 0)).map(Integer::parseInt)
        .to(Sinks.collecting());
    Pipeline p = b.deadLetters((d, ts) -> {
      throw new java.io.IOException("disk full");
    }).build();
    assertThatThrownBy(() -> Harness.runToEnd(p, RunOptions.defaults()))
        .isInstanceOf(DwException.class).hasMessageContaining("cannot write a dead letter").hasMessageContaining("disk full");
  }

  @Test
  void build_branchWithoutSink_rejectedNamingStep() {
    Pipeline.Builder b = Pipeline.builder("open-end");
    Stream<String> s = b.source(Sources.of(List.of("x")), WatermarkStrategy.<String>inOrder(x -> 0));
    s.to(Sinks.collecting());
    s.map(String::length);
    assertThatThrownBy(b::build).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("map#2");
  }

  @Test
  void builder_badNamesAndSpecs_rejected() {
    assertThatThrownBy(() -> Pipeline.builder("Bad Name")).hasMessageContaining("lower-case");
    assertThatThrownBy(() -> WindowSpec.sliding(Duration.ofMillis(10), Duration.ofMillis(3)))
        .hasMessageContaining("multiple of the slide");
    assertThatThrownBy(() -> WindowSpec.tumbling(Duration.ZERO)).hasMessageContaining("at least 1ms");
    assertThatThrownBy(() -> WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(-1), (Event e) -> 0))
        .hasMessageContaining(">= 0");
  }

  @Test
  void task_processDirectly_countsInAndOut() throws Exception {
    Sinks.Collecting<String> out = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("direct");
    b.source(Sources.<String>of(List.of()), WatermarkStrategy.<String>inOrder(s -> 0)).to(out);
    try (PipelineTask t = b.build().newTask(RunOptions.defaults())) {
      t.open();
      t.process("x");
      t.process("y");
      t.metrics().publish(t.watermark(), 0);
      assertThat(t.metrics().in()).isEqualTo(2);
      assertThat(t.metrics().out()).isEqualTo(2);
    }
  }
}
