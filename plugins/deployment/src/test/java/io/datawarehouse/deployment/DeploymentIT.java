package io.datawarehouse.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.deployment.router.TrafficRouter;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with real processes: the deployment plugin in a kernel (supervisor, router,
 * orchestrator), the test service launched as separate JVMs, load driven through the router.
 */
class DeploymentIT {
  private static final Duration LONG = Duration.ofSeconds(120);

  @TempDir
  Path tmp;

  private Kernel kernel;
  private Load load;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  @AfterEach
  void tearDown() {
    if (load != null) {
      load.stop();
    }
    if (kernel != null) {
      kernel.close();
    }
    client.close();
  }

  private MessageBus start(boolean orchestrator) throws Exception {
    Path cfg = tmp.resolve("dw.yaml");
    Files.writeString(cfg, """
        deployment:
          supervisor: {stopTimeout: 5s, probeTimeout: 1s, maxRestarts: 2, restartBackoff: 200ms, maxRestartBackoff: 1s}
          router: {connectTimeout: 1s, requestTimeout: 10s}
          orchestrator: {enabled: %s, pollInterval: 50ms, requestTimeout: 20s}
        """.formatted(orchestrator));
    kernel = Kernel.builder().configFile(cfg).dataDir(tmp.resolve("data")).plugins(List.of(new DeploymentPlugin()))
        .build();
    kernel.start();
    assertThat(kernel.pluginState("deployment")).isEqualTo(Kernel.PluginState.RUNNING);
    return kernel.bus();
  }

  private DeploymentPlugin plugin() {
    return (DeploymentPlugin) kernel.plugin("deployment");
  }

  private static String spec(String version, int instances, int basePort, Integer routerPort, String strategy,
      String... extraArgs) {
    StringBuilder cmd = new StringBuilder();
    for (String a : SampleService.command("--port", "${port}", "--version", "${version}")) {
      cmd.append(cmd.isEmpty() ? "" : ", ").append('"').append(a.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    for (String a : extraArgs) {
      cmd.append(", \"").append(a).append('"');
    }
    return """
        service: web
        version: {name: %s, command: [%s], readinessPath: /health}
        instances: %d
        basePort: %d
        routerPort: %s
        strategy: %s
        """.formatted(version, cmd, instances, basePort, routerPort == null ? "null" : routerPort, strategy);
  }

  private static RolloutStatus apply(MessageBus bus, String yaml) throws Exception {
    JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
        .readTree(yaml);
    return bus.requestSync(Message.json(DeploymentTopics.ROLLOUT_APPLY, Map.of("spec", tree)), Duration.ofSeconds(30))
        .json(RolloutStatus.class);
  }

  private static RolloutStatus status(MessageBus bus, String id) {
    return bus.requestSync(Message.json(DeploymentTopics.ROLLOUT_STATUS, Map.of("id", id)), Duration.ofSeconds(30))
        .json(RolloutStatus.class);
  }

  private static RolloutStatus awaitPhase(MessageBus bus, String id, Phase... phases) {
    await().atMost(LONG).pollInterval(Duration.ofMillis(100))
        .until(() -> List.of(phases).contains(status(bus, id).phase()) || status(bus, id).phase().terminal());
    RolloutStatus s = status(bus, id);
    assertThat(s.phase()).as("rollout %s: %s", id, s.message()).isIn((Object[]) phases);
    return s;
  }

  /** Requests through the router from a few virtual threads, counting answers per pool and failures. */
  private final class Load {
    final Map<String, AtomicLong> perPool = new ConcurrentHashMap<>();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong ok = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    final List<Thread> threads;
    volatile String lastFailure;

    Load(int port, int threads) {
      this.threads = java.util.stream.IntStream.range(0, threads).mapToObj(i -> Thread.ofVirtual().name("load-" + i)
          .start(() -> {
            while (running.get()) {
              try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                perPool.computeIfAbsent(r.headers().firstValue(TrafficRouter.POOL_HEADER).orElse("?"),
                    k -> new AtomicLong()).incrementAndGet();
                if (r.statusCode() == 200) {
                  ok.incrementAndGet();
                } else {
                  failures.incrementAndGet();
                  lastFailure = r.statusCode() + " " + r.body();
                }
              } catch (java.io.IOException e) {
                failures.incrementAndGet();
                lastFailure = e.toString();
              } catch (InterruptedException e) {
                return;
              }
            }
          })).toList();
    }

    void stop() {
      running.set(false);
      for (Thread t : threads) {
        try {
          t.join(Duration.ofSeconds(15));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private Map<String, Integer> sample(int port, int n) throws Exception {
    Map<String, Integer> out = new java.util.TreeMap<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
      out.merge(r.statusCode() + ":" + r.headers().firstValue(TrafficRouter.POOL_HEADER).orElse("?"), 1, Integer::sum);
    }
    return out;
  }

  @Test
  void crashedInstance_isRestartedBySupervisor_crashLoopingVersionRollsBack() throws Exception {
    MessageBus bus = start(true);
    List<JsonNode> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    bus.subscribe(DeploymentTopics.EVENTS, io.datawarehouse.sdk.bus.MessageHandler.listener(m -> events.add(m.jsonTree())));
    int base = SampleService.freePorts(5);
    int routerPort = base + 4;
    RolloutStatus first = apply(bus, spec("v1", 2, base, routerPort, "{type: rolling}"));
    awaitPhase(bus, first.id(), Phase.SUCCEEDED);
    var sup = plugin().supervisor();
    long pid = sup.health("web-0").pid();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // the service dies on its own
    await().atMost(LONG).until(() -> events.stream().anyMatch(e -> e.path("type").asText().equals("instance-restarted")
        && e.path("instance").asText().equals("web-0")));
    await().atMost(LONG).until(() -> sup.health("web-0").ready());
    InstanceHealth h = sup.health("web-0");
    assertThat(h.pid()).isNotEqualTo(pid);
    assertThat(h.restarts()).isEqualTo(1);
    assertThat(h.version()).isEqualTo("v1");
    JsonNode crash = events.stream().filter(e -> e.path("type").asText().equals("instance-crashed")).findFirst()
        .orElseThrow();
    assertThat(crash.path("exitCode").asInt()).isEqualTo(137);
    assertThat(sample(routerPort, 20)).containsOnlyKeys("200:v1");
    // v2 dies at start (an unknown option): the supervisor restarts it twice, then marks it FAILED;
    // the rolling update sees that and rolls back, without waiting for its progress deadline
    RolloutStatus second = apply(bus, spec("v2", 2, base, routerPort, "{type: rolling, progressDeadline: 10m}",
        "--no-such-option", "x"));
    RolloutStatus done = awaitPhase(bus, second.id(), Phase.ROLLED_BACK);
    assertThat(done.history().stream().map(DeploymentEvent::message).toList())
        .anyMatch(m -> m.contains("FAILED after repeated crashes") && m.contains("exit code 1"));
    assertThat(events.stream().filter(e -> e.path("type").asText().equals("instance-failed")).toList()).isNotEmpty();
    await().atMost(LONG).until(() -> sup.health("web-0").ready() && sup.health("web-1").ready());
    assertThat(sup.health("web-0").version()).isEqualTo("v1");
    assertThat(sample(routerPort, 20)).containsOnlyKeys("200:v1");
  }

  @Test
  void rolling_fourInstances_neverBelowThreeReady_allEndOnV2() throws Exception {
    MessageBus bus = start(true);
    int base = SampleService.freePorts(10);
    int routerPort = base + 9;
    RolloutStatus first = apply(bus, spec("v1", 4, base, routerPort, "{type: rolling}"));
    awaitPhase(bus, first.id(), Phase.SUCCEEDED);

    AtomicInteger minReady = new AtomicInteger(4);
    AtomicBoolean watching = new AtomicBoolean(true);
    Thread watcher = Thread.ofVirtual().name("ready-watcher").start(() -> {
      while (watching.get()) {
        int ready = 0;
        for (int i = 0; i < 4; i++) {
          ready += plugin().supervisor().health("web-" + i).ready() ? 1 : 0;
        }
        minReady.accumulateAndGet(ready, Math::min);
      }
    });
    load = new Load(routerPort, 2);
    RolloutStatus r = apply(bus, spec("v2", 4, base, routerPort, "{type: rolling, maxUnavailable: 1, minReady: 300ms}"));
    RolloutStatus end = awaitPhase(bus, r.id(), Phase.SUCCEEDED);
    watching.set(false);
    watcher.join();
    load.stop();
    assertThat(minReady.get()).as("fewest ready instances seen during the rollout").isGreaterThanOrEqualTo(3);
    assertThat(end.instances()).hasSize(4).allSatisfy((k, v) -> assertThat(v).isEqualTo("v2"));
    for (int i = 0; i < 4; i++) {
      InstanceHealth h = plugin().supervisor().health("web-" + i);
      assertThat(h.version()).isEqualTo("v2");
      assertThat(h.ready()).isTrue();
      assertThat(h.restarts()).isEqualTo(1);
    }
    assertThat(sample(routerPort, 50)).containsOnlyKeys("200:v2");
    assertThat(load.ok.get()).isPositive();
  }

  @Test
  void canary_splitFollowsEachStep_thenFailingV2AbortsAndTrafficReturnsToV1() throws Exception {
    MessageBus bus = start(true);
    int base = SampleService.freePorts(12);
    int routerPort = base + 11;
    awaitPhase(bus, apply(bus, spec("v1", 2, base, routerPort, "{type: rolling}")).id(), Phase.SUCCEEDED);

    // healthy v2, steps held until promoted: measure the split at each step
    RolloutStatus r = apply(bus, spec("v2", 2, base, routerPort, "{type: canary, steps: [{weight: 20}, {weight: 50}]}"));
    for (int weight : new int[] {20, 50}) {
      awaitPhase(bus, r.id(), Phase.PAUSED);
      int n = 1000;
      Map<String, Integer> seen = sample(routerPort, n);
      int v2 = seen.getOrDefault("200:v2", 0);
      double sd = Math.sqrt(n * (weight / 100.0) * (1 - weight / 100.0));
      assertThat(seen.keySet()).containsOnly("200:v1", "200:v2");
      assertThat((double) v2).as("v2 share at %d%%: %s", weight, seen).isBetween(n * weight / 100.0 - 5 * sd,
          n * weight / 100.0 + 5 * sd);
      bus.requestSync(Message.json(DeploymentTopics.ROLLOUT_PROMOTE, Map.of("id", r.id())), Duration.ofSeconds(30));
    }
    awaitPhase(bus, r.id(), Phase.SUCCEEDED);
    assertThat(sample(routerPort, 50)).containsOnlyKeys("200:v2");

    // v3 fails 30% of its requests: the analysis aborts it
    load = new Load(routerPort, 3);
    RolloutStatus bad = apply(bus, spec("v3", 2, base, routerPort, """
        {type: canary, steps: [{weight: 30}, {weight: 60}], analysis: {interval: 1s, minSamples: 30, inconclusiveLimit: 20}}""",
        "--fail", "0.3"));
    RolloutStatus end = awaitPhase(bus, bad.id(), Phase.ROLLED_BACK);
    load.stop();
    assertThat(end.history()).anySatisfy(e -> assertThat(e.message()).contains("canary analysis failed"));
    assertThat(end.instances()).containsOnlyKeys("web-0", "web-1").allSatisfy((k, v) -> assertThat(v).isEqualTo("v2"));
    assertThat(plugin().supervisor().health("web-2").state()).isEqualTo("STOPPED");
    assertThat(load.perPool.get("v3").get()).isPositive();
    assertThat(sample(routerPort, 100)).containsOnlyKeys("200:v2");
    TrafficStats stats = plugin().router().stats("web");
    assertThat(stats.pool("v3").weight()).isZero();
    assertThat(stats.pool("v3").errors()).isPositive();
  }

  @Test
  void blueGreen_switchUnderLoad_noFailedRequest_rollbackInstant() throws Exception {
    MessageBus bus = start(true);
    int base = SampleService.freePorts(10);
    int routerPort = base + 9;
    awaitPhase(bus, apply(bus, spec("v1", 2, base, routerPort, "{type: bluegreen}")).id(), Phase.SUCCEEDED);
    load = new Load(routerPort, 4);

    RolloutStatus r = apply(bus, spec("v2", 2, base, routerPort, "{type: bluegreen, scaleDownDelay: 10m}"));
    await().atMost(LONG).until(() -> "green".equals(plugin().router().stats("web").activeEnvironment()));
    long v2Before = load.perPool.getOrDefault("v2", new AtomicLong()).get();
    await().atMost(LONG).until(() -> load.perPool.getOrDefault("v2", new AtomicLong()).get() > v2Before + 50);
    bus.requestSync(Message.json(DeploymentTopics.ROLLOUT_ABORT, Map.of("id", r.id())), Duration.ofSeconds(30));
    awaitPhase(bus, r.id(), Phase.ROLLED_BACK);
    assertThat(plugin().router().stats("web").activeEnvironment()).isEqualTo("blue");
    assertThat(sample(routerPort, 50)).containsOnlyKeys("200:v1");

    RolloutStatus r3 = apply(bus, spec("v3", 2, base, routerPort, "{type: bluegreen, scaleDownDelay: 500ms}"));
    RolloutStatus end = awaitPhase(bus, r3.id(), Phase.SUCCEEDED);
    long v3Before = load.perPool.getOrDefault("v3", new AtomicLong()).get();
    await().atMost(LONG).until(() -> load.perPool.getOrDefault("v3", new AtomicLong()).get() > v3Before + 50);
    load.stop();
    assertThat(load.failures.get()).as("failed requests (last: %s)", load.lastFailure).isZero();
    assertThat(end.instances()).containsOnlyKeys("web-2", "web-3");
    assertThat(plugin().supervisor().health("web-0").state()).isEqualTo("STOPPED");
    assertThat(sample(routerPort, 50)).containsOnlyKeys("200:v3");
  }

  @Test
  void orchestratorRestartedMidRollout_resumesAndFinishes() throws Exception {
    MessageBus bus = start(false); // supervisor and router in the kernel; orchestrators constructed here
    Path dir = tmp.resolve("orchestrator");
    int base = SampleService.freePorts(6);
    Orchestrator.Options opts = new Orchestrator.Options(Duration.ofMillis(50), Duration.ofSeconds(20),
        Duration.ofSeconds(1), 30);
    Orchestrator first = new Orchestrator(bus, dir, Time.SYSTEM, opts);
    first.start();
    RolloutStatus init = first.apply(DeploymentSpec.parse(spec("v1", 3, base, base + 5, "{type: rolling}"), "spec"));
    await().atMost(LONG).until(() -> first.status(init.id()).phase().terminal());
    RolloutStatus r = first.apply(DeploymentSpec.parse(spec("v2", 3, base, base + 5,
        "{type: rolling, maxUnavailable: 1, minReady: 1s}"), "spec"));
    await().atMost(LONG).until(() -> first.status(r.id()).instances().containsValue("v2"));
    first.close(); // the orchestrator goes away mid-rollout; its instances keep running
    RolloutStatus atClose = Orchestrator.readStatuses(dir).stream().filter(s -> s.id().equals(r.id())).findFirst()
        .orElseThrow();
    assertThat(atClose.phase()).isEqualTo(Phase.PROGRESSING);

    Orchestrator second = new Orchestrator(bus, dir, Time.SYSTEM, opts);
    try {
      second.start();
      await().atMost(LONG).until(() -> second.status(r.id()).phase().terminal());
      RolloutStatus end = second.status(r.id());
      assertThat(end.phase()).isEqualTo(Phase.SUCCEEDED);
      assertThat(end.history()).anySatisfy(e -> assertThat(e.type()).isEqualTo("resumed"));
      assertThat(end.instances()).allSatisfy((k, v) -> assertThat(v).isEqualTo("v2"));
      assertThat(sample(base + 5, 30)).containsOnlyKeys("200:v2");
    } finally {
      second.close();
    }
  }
}
