package io.datawarehouse.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.testkit.ManualTime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rollout state machines against a fake supervisor and router, driven by a manual time. */
class OrchestratorTest {
  @TempDir
  Path tmp;

  private InProcessMessageBus bus;
  private FakeCluster cluster;
  private ManualTime time;
  private Orchestrator orch;

  @BeforeEach
  void setUp() {
    bus = new InProcessMessageBus();
    cluster = new FakeCluster(bus);
    time = new ManualTime();
    orch = open();
  }

  @AfterEach
  void tearDown() {
    orch.close();
    cluster.close();
    bus.close();
  }

  private Orchestrator open() {
    return new Orchestrator(bus, tmp, time, new Orchestrator.Options(Duration.ofMillis(10), Duration.ofSeconds(5),
        Duration.ofSeconds(1), 30));
  }

  static DeploymentSpec spec(String version, String strategy, Integer router) {
    return DeploymentSpec.parse("""
        service: web
        version: {name: %s, command: [app, "--port", "${port}", "--version", "${version}"], readinessPath: /health}
        instances: 4
        basePort: 20000
        routerPort: %s
        strategy: %s
        """.formatted(version, router == null ? "null" : router, strategy), "test spec");
  }

  private RolloutStatus runUntilDone(String id, Duration step) {
    for (int i = 0; i < 1000; i++) {
      orch.tick();
      RolloutStatus s = orch.status(id);
      if (s.phase().terminal() || s.phase() == Phase.PAUSED) {
        return s;
      }
      time.advance(step);
    }
    throw new AssertionError("rollout " + id + " did not settle: " + orch.status(id));
  }

  private void deployInitial(String strategy, Integer router) {
    RolloutStatus s = orch.apply(spec("v1", strategy, router));
    assertThat(runUntilDone(s.id(), Duration.ofMillis(100)).phase()).isEqualTo(Phase.SUCCEEDED);
    cluster.log.clear();
    cluster.routes.clear();
  }

  @Test
  void apply_firstDeployment_startsEveryInstanceAndRoutes() {
    RolloutStatus s = orch.apply(spec("v1", "{type: rolling}", 21000));
    assertThat(s.strategy()).isEqualTo("initial");
    assertThat(runUntilDone(s.id(), Duration.ofMillis(100)).phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(cluster.running).containsOnlyKeys("web-0", "web-1", "web-2", "web-3").containsValue("v1");
    assertThat(cluster.routes).last().satisfies(r -> assertThat(r.pools()).singleElement()
        .satisfies(p -> assertThat(p.backends()).hasSize(4)));
  }

  @Test
  void rolling_maxUnavailable1_replacesOneAtATimeAndNeverRoutesToARestartingInstance() {
    deployInitial("{type: rolling}", 21000);
    RolloutStatus s = orch.apply(spec("v2", "{type: rolling, maxUnavailable: 1, maxSurge: 0, minReady: 1s}", 21000));
    RolloutStatus end = runUntilDone(s.id(), Duration.ofMillis(500));
    assertThat(end.phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(cluster.running).hasSize(4).allSatisfy((k, v) -> assertThat(v).isEqualTo("v2"));
    assertThat(cluster.log.stream().filter(l -> l.startsWith("start"))).containsExactly(
        "start web-0 v2", "start web-1 v2", "start web-2 v2", "start web-3 v2");
    // every route before a start leaves that instance out, and serves at least 3 backends
    for (TrafficRoute r : cluster.routes) {
      assertThat(r.pools().stream().mapToInt(p -> p.backends().size()).sum()).isGreaterThanOrEqualTo(3);
    }
    int firstStart = cluster.log.indexOf("start web-0 v2");
    assertThat(cluster.log.get(firstStart - 1)).startsWith("route").doesNotContain("20000");
  }

  @Test
  void rolling_surge_startsSurgeFirstAndStopsItAtTheEnd() {
    deployInitial("{type: rolling}", 21000);
    RolloutStatus s = orch.apply(spec("v2", "{type: rolling, maxUnavailable: 1, maxSurge: 1}", 21000));
    assertThat(runUntilDone(s.id(), Duration.ofMillis(100)).phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(cluster.log.get(0)).isEqualTo("start web-4 v2");
    assertThat(cluster.log).contains("start web-0 v2", "start web-1 v2");
    assertThat(cluster.log).last().isEqualTo("stop web-4 v2");
    for (TrafficRoute r : cluster.routes) {
      assertThat(r.pools().stream().mapToInt(p -> p.backends().size()).sum()).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void rolling_neverReady_exceedsDeadlineAndRollsBackUpdatedInstances() {
    deployInitial("{type: rolling}", null);
    cluster.neverReady.add("v2");
    RolloutStatus s = orch.apply(spec("v2", "{type: rolling, maxUnavailable: 2, progressDeadline: 3s}", null));
    RolloutStatus end = runUntilDone(s.id(), Duration.ofSeconds(1));
    assertThat(end.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(end.history()).anySatisfy(e -> assertThat(e.type()).isEqualTo("rolling-back"));
    assertThat(end.history().stream().filter(e -> e.type().equals("rolling-back")).findFirst().orElseThrow().message())
        .contains("progress deadline");
    assertThat(cluster.running).hasSize(4).allSatisfy((k, v) -> assertThat(v).isEqualTo("v1"));
    assertThat(cluster.log).contains("start web-0 v1", "start web-1 v1").doesNotContain("start web-2 v2");
    await().untilAsserted(() -> assertThat(cluster.events).extracting(DeploymentEvent::type)
        .contains("started", "rolling-back", "rolled-back"));
  }

  @Test
  void rolling_instanceExitsWhileStarting_rollsBackAtOnce() {
    deployInitial("{type: rolling}", null);
    cluster.exits.add("v2");
    RolloutStatus s = orch.apply(spec("v2", "{type: rolling, progressDeadline: 1h}", null));
    orch.tick(); // no time passes: the deadline is not what ends it
    orch.tick();
    RolloutStatus end = runUntilDone(s.id(), Duration.ZERO);
    assertThat(end.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(end.history()).anySatisfy(e -> assertThat(e.message()).contains("ended while starting"));
  }

  @Test
  void canary_analysisPasses_stepsThroughWeightsAndPromotesEverything() {
    deployInitial("{type: rolling}", 21000);
    RolloutStatus s = orch.apply(spec("v2", """
        {type: canary, steps: [{weight: 10}, {weight: 50}], analysis: {interval: 10s, minSamples: 10}}""", 21000));
    // the canary gets no weight before it is ready
    cluster.neverReady.add("v2");
    orch.tick();
    assertThat(cluster.routes).isEmpty();
    cluster.neverReady.clear();
    for (int i = 0; i < 200 && !orch.status(s.id()).phase().terminal(); i++) {
      orch.tick();
      cluster.serve("v1", 100, 0, 1000);
      cluster.serve("v2", 20, 0, 1100);
      time.advance(Duration.ofSeconds(1));
    }
    RolloutStatus end = orch.status(s.id());
    assertThat(end.phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(cluster.routes).extracting(r -> r.pools().get(1).weight()).startsWith(10, 50, 100);
    assertThat(cluster.running).containsOnlyKeys("web-0", "web-1", "web-2", "web-3")
        .allSatisfy((k, v) -> assertThat(v).isEqualTo("v2"));
    assertThat(end.history()).filteredOn(e -> e.type().equals("analysis"))
        .allSatisfy(e -> assertThat(e.message()).startsWith("passed"));
  }

  @Test
  void canary_errorsAboveBaseline_abortsWeightZeroCanaryStopped() {
    deployInitial("{type: rolling}", 21000);
    RolloutStatus s = orch.apply(spec("v2", """
        {type: canary, steps: [{weight: 20}, {weight: 50}], analysis: {interval: 5s, minSamples: 10}}""", 21000));
    for (int i = 0; i < 100 && !orch.status(s.id()).phase().terminal(); i++) {
      orch.tick();
      cluster.serve("v1", 80, 0, 1000);
      cluster.serve("v2", 20, 5, 1000);
      time.advance(Duration.ofSeconds(1));
    }
    RolloutStatus end = orch.status(s.id());
    assertThat(end.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(end.analysisFailures()).isEqualTo(1);
    assertThat(cluster.routes).extracting(r -> r.pools().get(1).weight()).doesNotContain(50);
    assertThat(cluster.routes).last().satisfies(r -> {
      assertThat(r.pools().get(0).name()).isEqualTo("v1");
      assertThat(r.pools().get(1).weight()).isZero();
    });
    assertThat(cluster.running).doesNotContainKey("web-4");
    assertThat(end.history()).anySatisfy(e -> assertThat(e.message()).contains("canary analysis failed"));
  }

  @Test
  void canary_tooFewSamples_pausesThenPromoteContinues() {
    deployInitial("{type: rolling}", 21000);
    RolloutStatus s = orch.apply(spec("v2", """
        {type: canary, steps: [{weight: 20}], analysis: {interval: 5s, minSamples: 1000, inconclusiveLimit: 2}}""",
        21000));
    RolloutStatus paused = runUntilDone(s.id(), Duration.ofSeconds(1));
    assertThat(paused.phase()).isEqualTo(Phase.PAUSED);
    assertThat(paused.message()).contains("inconclusive 2 time(s)");
    orch.promote(s.id());
    assertThat(runUntilDone(s.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.SUCCEEDED);
  }

  @Test
  void canary_stepWithoutPauseOrAnalysis_waitsForPromote_abortRollsBack() {
    deployInitial("{type: rolling}", 21000);
    RolloutStatus s = orch.apply(spec("v2", "{type: canary, steps: [{weight: 25}]}", 21000));
    assertThat(runUntilDone(s.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.PAUSED);
    assertThatThrownBy(() -> orch.retry(s.id())).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
    orch.abort(s.id());
    assertThat(runUntilDone(s.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(cluster.running).doesNotContainKey("web-4");
    // retry runs it again from the start
    orch.retry(s.id());
    assertThat(runUntilDone(s.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.PAUSED);
    orch.promote(s.id());
    assertThat(runUntilDone(s.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.SUCCEEDED);
  }

  @Test
  void retry_afterTheServiceMovedOn_isRefused() {
    deployInitial("{type: rolling}", null);
    cluster.neverReady.add("v2");
    RolloutStatus bad = orch.apply(spec("v2", "{type: rolling, progressDeadline: 1s}", null));
    assertThat(runUntilDone(bad.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.ROLLED_BACK);
    RolloutStatus good = orch.apply(spec("v3", "{type: rolling}", null));
    assertThat(runUntilDone(good.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.SUCCEEDED);
    assertThatThrownBy(() -> orch.retry(bad.id())).hasMessageContaining("changed since (now v3");
  }

  @Test
  void blueGreen_switchesThenStopsOldAfterDelay_abortDuringDelaySwitchesBack() {
    deployInitial("{type: bluegreen}", 21000);
    assertThat(cluster.activeEnvironment).isEqualTo("blue");
    RolloutStatus s = orch.apply(spec("v2", "{type: bluegreen, scaleDownDelay: 30s}", 21000));
    for (int i = 0; i < 10; i++) {
      orch.tick();
    }
    assertThat(cluster.activeEnvironment).isEqualTo("green");
    assertThat(cluster.running).hasSize(8);
    orch.abort(s.id());
    assertThat(runUntilDone(s.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(cluster.activeEnvironment).isEqualTo("blue");
    assertThat(cluster.running).containsOnlyKeys("web-0", "web-1", "web-2", "web-3");

    RolloutStatus again = orch.apply(spec("v3", "{type: bluegreen, scaleDownDelay: 30s}", 21000));
    assertThat(runUntilDone(again.id(), Duration.ofSeconds(5)).phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(cluster.activeEnvironment).isEqualTo("green");
    assertThat(cluster.running).containsOnlyKeys("web-4", "web-5", "web-6", "web-7");
  }

  @Test
  void reopen_midRollout_resumesWhereItStood() {
    deployInitial("{type: rolling}", null);
    RolloutStatus s = orch.apply(spec("v2", "{type: rolling, maxUnavailable: 1, minReady: 10s}", null));
    orch.tick();
    orch.tick();
    int stage = orch.status(s.id()).stageIndex();
    assertThat(stage).isPositive();
    orch.close();
    cluster.log.clear();
    orch = open();
    assertThat(orch.status(s.id()).stageIndex()).isEqualTo(stage);
    assertThat(orch.status(s.id()).history()).last().satisfies(e -> assertThat(e.type()).isEqualTo("resumed"));
    assertThat(runUntilDone(s.id(), Duration.ofSeconds(5)).phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(cluster.running).allSatisfy((k, v) -> assertThat(v).isEqualTo("v2"));
  }

  @Test
  void blueGreen_withAnalysis_failingPreviewNeverSwitches() {
    deployInitial("{type: bluegreen}", 21000);
    RolloutStatus s = orch.apply(spec("v2", "{type: bluegreen, analysis: {interval: 5s, minSamples: 10}}", 21000));
    for (int i = 0; i < 60 && !orch.status(s.id()).phase().terminal(); i++) {
      orch.tick();
      cluster.serve("v1", 100, 0, 1000);
      cluster.serve("v2", 20, 10, 1000); // preview requests pinned to v2, half of them failing
      time.advance(Duration.ofSeconds(1));
    }
    RolloutStatus end = orch.status(s.id());
    assertThat(end.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(cluster.log).doesNotContain("switch green");
    assertThat(cluster.activeEnvironment).isEqualTo("blue");
    assertThat(cluster.running).containsOnlyKeys("web-0", "web-1", "web-2", "web-3");
  }

  @Test
  void restoreRoutes_reinstallsWhatServes_andAnUnfinishedRolloutsLastTable() {
    deployInitial("{type: bluegreen}", 21000);
    RolloutStatus s = orch.apply(spec("v2", "{type: bluegreen, scaleDownDelay: 1h}", 21000));
    for (int i = 0; i < 5; i++) {
      orch.tick();
    }
    assertThat(cluster.activeEnvironment).isEqualTo("green");
    orch.close();
    cluster.log.clear();
    cluster.activeEnvironment = null;
    orch = open();
    orch.restoreRoutes();
    assertThat(cluster.log).hasSize(2);
    assertThat(cluster.log.get(0)).startsWith("route v1=100").contains("v2=0");
    assertThat(cluster.log.get(1)).isEqualTo("switch green");
    orch.abort(s.id());
    assertThat(runUntilDone(s.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.ROLLED_BACK);
    cluster.log.clear();
    orch.restoreRoutes();
    assertThat(cluster.log).singleElement().satisfies(l -> assertThat(l).startsWith("route v1=100[127.0.0.1:20000"));
  }

  @Test
  void reopen_whileRollingBack_finishesTheRollback() {
    deployInitial("{type: rolling}", null);
    cluster.neverReady.add("v2");
    RolloutStatus s = orch.apply(spec("v2", "{type: rolling, progressDeadline: 1s}", null));
    orch.tick();
    time.advance(Duration.ofSeconds(2));
    orch.tick(); // deadline: rolling back, first stage done at most
    assertThat(orch.status(s.id()).phase()).isIn(Phase.ROLLING_BACK, Phase.ROLLED_BACK);
    orch.close();
    orch = open();
    assertThat(runUntilDone(s.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(cluster.running).allSatisfy((k, v) -> assertThat(v).isEqualTo("v1"));
  }

  @Test
  void apply_whileUnfinished_orSameVersion_isRefused() {
    deployInitial("{type: rolling}", null);
    assertThatThrownBy(() -> orch.apply(spec("v1", "{type: rolling}", null)))
        .hasMessageContaining("already runs version v1");
    orch.apply(spec("v2", "{type: rolling, minReady: 1h}", null));
    assertThatThrownBy(() -> orch.apply(spec("v3", "{type: rolling}", null)))
        .hasMessageContaining("unfinished rollout");
  }

  @Test
  void audit_withoutTamperproof_isReportedAbsent() {
    RolloutStatus s = orch.apply(spec("v1", "{type: rolling}", null));
    await().untilAsserted(() -> assertThat(orch.status(s.id()).audit()).contains("no tamperproof plugin"));
  }

  @Test
  void audit_tamperproofFailing_isJournaled_andReplayedOnceItAnswers() {
    java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
    bus.subscribe(DeploymentTopics.TAMPERPROOF_WRITE, m -> {
      if (failing.get()) {
        throw DwException.unavailable("ledger disk full", null);
      }
      if (!ids.add(m.jsonTree().path("id").asText())) {
        throw DwException.of(ErrorCode.ALREADY_EXISTS, "written before");
      }
      return io.datawarehouse.sdk.bus.Message.replyTo(m).json(java.util.Map.of()).build();
    });
    RolloutStatus s = orch.apply(spec("v1", "{type: rolling, minReady: 1s}", null));
    Path journal = tmp.resolve("audit-journal.jsonl");
    await().untilAsserted(() -> assertThat(journal).exists());
    await().untilAsserted(() -> assertThat(orch.status(s.id()).audit()).contains("journaled"));
    failing.set(false);
    assertThat(runUntilDone(s.id(), Duration.ofSeconds(1)).phase()).isEqualTo(Phase.SUCCEEDED);
    await().untilAsserted(() -> assertThat(journal).doesNotExist());
    await().untilAsserted(() -> assertThat(ids).anyMatch(id -> id.endsWith(".started"))
        .anyMatch(id -> id.endsWith(".succeeded")));
    assertThat(orch.status(s.id()).audit()).isEqualTo("tamperproof");
  }

  @Test
  void inbox_applyAndPromote_areExecutedAndAnswered() throws Exception {
    Path inbox = tmp.resolve("inbox");
    java.nio.file.Files.writeString(inbox.resolve("001-apply.json"), io.datawarehouse.sdk.json.Json.toString(
        new Orchestrator.InboxCommand("apply", null, """
            service: api
            version: {name: v1, command: [app]}
            instances: 1
            basePort: 22000
            strategy: {type: rolling}
            """)));
    orch.processInbox();
    Orchestrator.InboxResult r = io.datawarehouse.sdk.json.Json.fromBytes(
        java.nio.file.Files.readAllBytes(inbox.resolve("001-apply.done")), Orchestrator.InboxResult.class, "done");
    assertThat(r.ok()).isTrue();
    assertThat(r.rollout().service()).isEqualTo("api");
    java.nio.file.Files.writeString(inbox.resolve("002-promote.json"), "{\"command\":\"promote\",\"id\":\"nope\"}");
    orch.processInbox();
    assertThat(java.nio.file.Files.readString(inbox.resolve("002-promote.done"))).contains("NOT_FOUND");
    assertThat(Orchestrator.readStatuses(tmp)).extracting(RolloutStatus::id).containsExactly("api-1");
    assertThat(List.of(inbox.toFile().list())).noneMatch(n -> n.endsWith(".json"));
  }
}
