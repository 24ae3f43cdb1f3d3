package io.datawarehouse.streaming.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SagaTest {
  @TempDir
  Path dir;

  private final InProcessMessageBus bus = new InProcessMessageBus();
  private SagaOrchestrator orchestrator;

  @AfterEach
  void close() {
    if (orchestrator != null) {
      orchestrator.close();
    }
    bus.close();
  }

  private SagaStatus runToEnd(SagaDefinition def) throws InterruptedException {
    orchestrator = SagaOrchestrator.open(bus, dir.resolve("sagas"), Time.SYSTEM, null);
    String id = orchestrator.start(def, Json.object().put("order", 42));
    SagaStatus s = orchestrator.await(id, Duration.ofMinutes(1));
    assertThat(s).isNotNull();
    return s;
  }

  @Test
  void success_everyStepOnceInOrder_timelineAndResults() throws Exception {
    try (SagaFixture f = new SagaFixture(bus, dir, null, null)) {
      SagaStatus s = runToEnd(SagaFixture.definition());
      assertThat(s.state()).isEqualTo("COMPLETED");
      assertThat(f.invocations()).containsExactly("a:execute", "b:execute", "c:execute");
      assertThat(s.steps()).containsExactly(java.util.Map.entry("a", "DONE"), java.util.Map.entry("b", "DONE"),
          java.util.Map.entry("c", "DONE"));
      assertThat(s.results().get("b").get("done").asText()).isEqualTo("b:execute");
      assertThat(s.timeline()).extracting(SagaEvent::type).containsExactly(SagaEvent.Type.STARTED,
          SagaEvent.Type.STEP_INTENT, SagaEvent.Type.STEP_DONE, SagaEvent.Type.STEP_INTENT, SagaEvent.Type.STEP_DONE,
          SagaEvent.Type.STEP_INTENT, SagaEvent.Type.STEP_DONE, SagaEvent.Type.COMPLETED);
      assertThat(s.timeline()).allSatisfy(e -> assertThat(e.at()).isNotNull());
    }
  }

  @Test
  void failureInStep3_compensates2Then1_inReverseOrder() throws Exception {
    try (SagaFixture f = new SagaFixture(bus, dir, "c", null)) {
      SagaStatus s = runToEnd(SagaFixture.definition());
      assertThat(s.state()).isEqualTo("COMPENSATED");
      assertThat(f.invocations()).containsExactly("a:execute", "b:execute", "c:execute", "b:compensate",
          "a:compensate");
      assertThat(s.steps()).containsEntry("c", "FAILED").containsEntry("b", "COMPENSATED")
          .containsEntry("a", "COMPENSATED");
      assertThat(s.error()).contains("INVALID_ARGUMENT").contains("refuses order 42");
    }
  }

  @Test
  void failureInStep2_compensatesOnlyStep1() throws Exception {
    try (SagaFixture f = new SagaFixture(bus, dir, "b", null)) {
      SagaStatus s = runToEnd(SagaFixture.definition());
      assertThat(s.state()).isEqualTo("COMPENSATED");
      assertThat(f.invocations()).containsExactly("a:execute", "b:execute", "a:compensate");
      assertThat(s.steps()).containsEntry("c", "PENDING");
    }
  }

  @Test
  void retriableFailures_retriedWithinMaxAttempts_withSameIdempotencyKey() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    java.util.Set<String> keys = java.util.concurrent.ConcurrentHashMap.newKeySet();
    bus.subscribe("pipeline.step.flaky", m -> {
      keys.add(m.header(SagaOrchestrator.IDEMPOTENCY_KEY));
      if (calls.incrementAndGet() < 3) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "try later");
      }
      return Message.replyTo(m).json(java.util.Map.of("ok", true)).build();
    });
    SagaStatus s = runToEnd(new SagaDefinition("flaky", List.of(new SagaDefinition.Step("flaky", "go", null,
        Duration.ofSeconds(5), 3, Duration.ofMillis(1), Set.of()))));
    assertThat(s.state()).isEqualTo("COMPLETED");
    assertThat(calls.get()).isEqualTo(3);
    assertThat(keys).hasSize(1);
    assertThat(s.timeline()).extracting(SagaEvent::type).containsSubsequence(SagaEvent.Type.ATTEMPT_FAILED,
        SagaEvent.Type.ATTEMPT_FAILED, SagaEvent.Type.STEP_DONE);
  }

  @Test
  void nonRetryableCode_failsAtOnce() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    bus.subscribe("pipeline.step.once", m -> {
      calls.incrementAndGet();
      throw DwException.of(ErrorCode.UNAVAILABLE, "card declined by the bank");
    });
    SagaStatus s = runToEnd(new SagaDefinition("once", List.of(new SagaDefinition.Step("once", "charge", null,
        Duration.ofSeconds(5), 5, Duration.ofMillis(1), Set.of("UNAVAILABLE")))));
    assertThat(s.state()).isEqualTo("COMPENSATED");
    assertThat(calls.get()).isEqualTo(1);
  }

  @Test
  void noParticipant_stepFails_noRespondersRetriedThenCompensated() throws Exception {
    try (SagaFixture f = new SagaFixture(bus, dir, null, null)) {
      List<SagaDefinition.Step> steps = new java.util.ArrayList<>(SagaFixture.definition().steps());
      steps.add(new SagaDefinition.Step("nobody", "x", null, Duration.ofSeconds(1), 2, Duration.ofMillis(1),
          Set.of()));
      SagaStatus s = runToEnd(new SagaDefinition("abc-nobody", steps));
      assertThat(s.state()).isEqualTo("COMPENSATED");
      assertThat(s.error()).contains("NO_RESPONDERS");
      assertThat(f.invocations()).endsWith("c:compensate", "b:compensate", "a:compensate");
    }
  }

  @Test
  void compensationKeepsFailing_parks_thenRetryOrSkip() throws Exception {
    AtomicInteger undoCalls = new AtomicInteger();
    boolean[] undoWorks = {false};
    bus.subscribe("pipeline.step.one", m -> {
      if ("compensate".equals(m.header(SagaOrchestrator.PHASE))) {
        undoCalls.incrementAndGet();
        if (!undoWorks[0]) {
          throw DwException.of(ErrorCode.UNAVAILABLE, "ledger offline");
        }
      }
      return Message.replyTo(m).json(java.util.Map.of()).build();
    });
    bus.subscribe("pipeline.step.two", m -> {
      throw DwException.invalidArgument("no");
    });
    SagaDefinition def = new SagaDefinition("park", List.of(
        new SagaDefinition.Step("one", "book", "unbook", Duration.ofSeconds(5), 2, Duration.ofMillis(1), Set.of()),
        new SagaDefinition.Step("two", "pay", null, Duration.ofSeconds(5), 1, Duration.ofMillis(1), Set.of())));
    SagaStatus s = runToEnd(def);
    assertThat(s.state()).isEqualTo("PARKED");
    assertThat(s.parkedStep()).isEqualTo("one");
    assertThat(s.error()).contains("ledger offline");
    assertThat(undoCalls.get()).isEqualTo(2);
    assertThatThrownBy(() -> orchestrator.resume("nope", SagaOrchestrator.ResumeAction.RETRY))
        .hasMessageContaining("no saga");

    undoWorks[0] = true;
    orchestrator.resume(s.id(), SagaOrchestrator.ResumeAction.RETRY);
    SagaStatus after = orchestrator.await(s.id(), Duration.ofMinutes(1));
    assertThat(after.state()).isEqualTo("COMPENSATED");
    assertThat(after.steps()).containsEntry("one", "COMPENSATED");
    assertThat(undoCalls.get()).isEqualTo(3);
    assertThatThrownBy(() -> orchestrator.resume(s.id(), SagaOrchestrator.ResumeAction.RETRY))
        .isInstanceOf(DwException.class).hasMessageContaining("not PARKED");

    // a second saga parks too, and is skipped past
    undoWorks[0] = false;
    String id2 = orchestrator.start(def, Json.object());
    assertThat(orchestrator.await(id2, Duration.ofMinutes(1)).state()).isEqualTo("PARKED");
    orchestrator.resume(id2, SagaOrchestrator.ResumeAction.SKIP);
    SagaStatus skipped = orchestrator.await(id2, Duration.ofMinutes(1));
    assertThat(skipped.state()).isEqualTo("COMPENSATED");
    assertThat(skipped.steps()).containsEntry("one", "SKIPPED");
  }

  @Test
  void parkedSaga_survivesRestart_andResumes() throws Exception {
    bus.subscribe("pipeline.step.one", m -> {
      if ("compensate".equals(m.header(SagaOrchestrator.PHASE))) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "down");
      }
      return Message.replyTo(m).json(java.util.Map.of()).build();
    });
    bus.subscribe("pipeline.step.two", m -> {
      throw DwException.invalidArgument("no");
    });
    SagaDefinition def = new SagaDefinition("park", List.of(
        new SagaDefinition.Step("one", "book", "unbook", Duration.ofSeconds(5), 1, Duration.ofMillis(1), Set.of()),
        new SagaDefinition.Step("two", "pay", null, Duration.ofSeconds(5), 1, Duration.ofMillis(1), Set.of())));
    SagaStatus s = runToEnd(def);
    assertThat(s.state()).isEqualTo("PARKED");
    orchestrator.close();
    orchestrator = SagaOrchestrator.open(bus, dir.resolve("sagas"), Time.SYSTEM, null);
    assertThat(orchestrator.status(s.id()).state()).isEqualTo("PARKED");
    assertThat(orchestrator.status(s.id()).timeline()).hasSameSizeAs(s.timeline());
    orchestrator.resume(s.id(), SagaOrchestrator.ResumeAction.SKIP);
    assertThat(orchestrator.await(s.id(), Duration.ofMinutes(1)).state()).isEqualTo("COMPENSATED");
  }

  @Test
  void participant_duplicateKey_handlerRunsOnce_sameAnswer() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    try (SagaParticipant p = SagaParticipant.register(bus, "dedupe",
        req -> Json.object().put("n", runs.incrementAndGet()), null, dir.resolve("p"))) {
      Message req = Message.builder("pipeline.step.dedupe").json(java.util.Map.of("x", 1))
          .header(SagaOrchestrator.IDEMPOTENCY_KEY, "s1:dedupe:execute")
          .header(SagaOrchestrator.PHASE, "execute").build();
      Message r1 = bus.requestSync(req, Duration.ofSeconds(5));
      Message r2 = bus.requestSync(req.toBuilder().id(null).build(), Duration.ofSeconds(5));
      assertThat(r1.jsonTree().get("n").asInt()).isEqualTo(1);
      assertThat(r2.jsonTree().get("n").asInt()).isEqualTo(1);
      assertThat(runs.get()).isEqualTo(1);
      assertThat(p.answered()).isEqualTo(1);
    }
    // the answers survive a restart of the participant
    try (SagaParticipant p = SagaParticipant.register(bus, "dedupe",
        req -> Json.object().put("n", runs.incrementAndGet()), null, dir.resolve("p"))) {
      Message req = Message.builder("pipeline.step.dedupe").json(java.util.Map.of("x", 1))
          .header(SagaOrchestrator.IDEMPOTENCY_KEY, "s1:dedupe:execute").build();
      assertThat(bus.requestSync(req, Duration.ofSeconds(5)).jsonTree().get("n").asInt()).isEqualTo(1);
      assertThat(runs.get()).isEqualTo(1);
      assertThat(p.answered()).isEqualTo(1);
    }
  }

  @Test
  void definition_validation() {
    assertThatThrownBy(() -> new SagaDefinition("x", List.of())).hasMessageContaining("no steps");
    assertThatThrownBy(() -> SagaDefinition.Step.of("Bad Id", "a", null)).hasMessageContaining("lower-case");
    assertThatThrownBy(() -> new SagaDefinition("x", List.of(SagaDefinition.Step.of("a", "x", null),
        SagaDefinition.Step.of("a", "y", null)))).hasMessageContaining("twice");
    SagaDefinition parsed = Json.convert(Json.tree(("{\"name\":\"n\",\"steps\":[{\"id\":\"pay\",\"action\":\"charge\","
        + "\"compensation\":\"refund\",\"timeout\":\"PT2S\",\"nonRetryable\":[\"INVALID_ARGUMENT\"]}]}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8), "t"), SagaDefinition.class, "t");
    assertThat(parsed.steps().get(0).maxAttempts()).isEqualTo(3);
    assertThat(parsed.steps().get(0).timeout()).isEqualTo(Duration.ofSeconds(2));
  }
}
