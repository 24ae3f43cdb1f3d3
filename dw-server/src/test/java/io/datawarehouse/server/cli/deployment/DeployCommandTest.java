package io.datawarehouse.server.cli.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.deployment.DeploymentTopics;
import io.datawarehouse.deployment.HealthCheckRequest;
import io.datawarehouse.deployment.InstanceCommand;
import io.datawarehouse.deployment.InstanceHealth;
import io.datawarehouse.deployment.Orchestrator;
import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.server.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dw deploy} against an orchestrator working on the same data directory (standing in for
 * {@code dw serve}), with a stand-in supervisor on its bus.
 */
class DeployCommandTest {
  @TempDir Path tmp;
  Path data;
  Path config;
  InProcessMessageBus bus;
  Orchestrator orchestrator;
  final Map<String, String> running = new ConcurrentHashMap<>();

  CliRun dw(String... args) {
    List<String> all = new ArrayList<>(List.of("--data-dir", data.toString(), "--config", config.toString()));
    all.addAll(List.of(args));
    return CliRun.dw(all.toArray(String[]::new));
  }

  @BeforeEach
  void setUp() throws Exception {
    data = tmp.resolve("data");
    config = tmp.resolve("dw.yaml");
    Files.writeString(config, "{}\n");
    bus = new InProcessMessageBus();
    bus.subscribe(DeploymentTopics.INSTANCE_RESTART, m -> {
      InstanceCommand c = m.json(InstanceCommand.class);
      running.put(c.instance(), c.version());
      return Message.replyTo(m).json(Map.of()).build();
    });
    bus.subscribe(DeploymentTopics.HEALTH_CHECK, m -> {
      String id = m.json(HealthCheckRequest.class).instance();
      return Message.replyTo(m).json(new InstanceHealth(id, running.get(id), "READY", true, 1L, 0, Instant.EPOCH, null,
          "ready")).build();
    });
  }

  @AfterEach
  void tearDown() {
    if (orchestrator != null) {
      orchestrator.close();
    }
    bus.close();
  }

  private Path spec(String version, String strategy) throws Exception {
    Path f = tmp.resolve(version + ".yaml");
    Files.writeString(f, """
        service: api
        version: {name: %s, command: [app, --port, "${port}"]}
        instances: 2
        basePort: 24000
        strategy: %s
        """.formatted(version, strategy));
    return f;
  }

  @Test
  void applyFollow_status_history_promote() throws Exception {
    orchestrator = new Orchestrator(bus, data.resolve("deployment"), Time.SYSTEM,
        new Orchestrator.Options(Duration.ofMillis(20), Duration.ofSeconds(5), Duration.ofSeconds(1), 30));
    orchestrator.start();
    CliRun first = dw("deploy", "apply", spec("v1", "{type: rolling}").toString(), "--follow");
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out()).contains("api-1  started", "api-1 SUCCEEDED");

    CliRun paused = dw("deploy", "apply", spec("v2", "{type: rolling, minReady: 1h}").toString());
    assertThat(paused.exit()).as(paused.err()).isZero();
    assertThat(paused.out()).contains("rollout  api-2  api v1 -> v2 (rolling)");

    CliRun status = dw("deploy", "status");
    assertThat(status.out()).contains("api-2").doesNotContain("api-1 ");
    CliRun one = dw("deploy", "status", "api-2", "--json");
    assertThat(one.out()).contains("\"phase\" : \"PROGRESSING\"");
    CliRun promote = dw("deploy", "promote", "api-2");
    assertThat(promote.exit()).isEqualTo(1);
    assertThat(promote.err()).contains("FAILED_PRECONDITION").contains("only a pause or an analysis");
    CliRun abort = dw("deploy", "abort", "api-2");
    assertThat(abort.exit()).as(abort.err()).isZero();
    CliRun history = dw("deploy", "history");
    assertThat(history.out()).contains("ROLLOUT", "api-1", "api-2");
    assertThat(dw("deploy", "status", "nope").err()).contains("no rollout 'nope'");
  }

  @Test
  void apply_withoutAServer_saysItIsQueued_andABadSpecIsRefusedAtOnce() throws Exception {
    CliRun r = dw("deploy", "apply", spec("v1", "{type: rolling}").toString(), "--wait", "300ms");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no orchestrator took the apply command", "stays queued");
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "service: api\nversion: {name: v1, command: [x]}\ninstances: 1\nbasePort: 24000\n"
        + "strategy: {type: canary, steps: [{weight: 10}]}\n");
    CliRun b = dw("deploy", "apply", bad.toString());
    assertThat(b.exit()).isEqualTo(1);
    assertThat(b.err()).contains("routerPort is required");
  }
}
