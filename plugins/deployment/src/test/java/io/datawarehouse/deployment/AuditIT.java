package io.datawarehouse.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit entries land in the real tamperproof plugin (started through the kernel, talked to over the
 * bus only) when it is installed.
 */
class AuditIT {
  @TempDir
  Path tmp;

  private Kernel kernel;

  @AfterEach
  void tearDown() {
    if (kernel != null) {
      kernel.close();
    }
  }

  @Test
  void rolloutTransitions_areWrittenToTheTamperproofLedger() throws Exception {
    Path cfg = tmp.resolve("dw.yaml");
    Files.writeString(cfg, "deployment: {orchestrator: {pollInterval: 50ms}}\n");
    kernel = Kernel.builder().configFile(cfg).dataDir(tmp.resolve("data")).build();
    kernel.start();
    assertThat(kernel.pluginState("tamperproof")).isEqualTo(Kernel.PluginState.RUNNING);
    assertThat(kernel.pluginState("deployment")).isEqualTo(Kernel.PluginState.RUNNING);
    MessageBus bus = kernel.bus();
    List<JsonNode> written = new CopyOnWriteArrayList<>();
    bus.subscribe("tamperproof.events", MessageHandler.listener(m -> {
      JsonNode e = m.jsonTree();
      if (e.path("type").asText().equals("written")) {
        written.add(e);
      }
    }));
    int port = SampleService.freePorts(1);
    StringBuilder cmd = new StringBuilder();
    for (String a : SampleService.command("--port", "${port}", "--version", "${version}")) {
      cmd.append(cmd.isEmpty() ? "" : ", ").append(Json.toString(a));
    }
    JsonNode spec = Json.tree(("{\"service\": \"audited\", \"version\": {\"name\": \"v1\", \"command\": [" + cmd
        + "], \"readinessPath\": \"/health\"}, \"instances\": 1, \"basePort\": " + port
        + ", \"strategy\": {\"type\": \"rolling\"}}").getBytes(java.nio.charset.StandardCharsets.UTF_8), "spec");
    RolloutStatus r = bus.requestSync(Message.json(DeploymentTopics.ROLLOUT_APPLY, Map.of("spec", spec)),
        Duration.ofSeconds(30)).json(RolloutStatus.class);
    await().atMost(Duration.ofSeconds(60)).until(() -> bus.requestSync(Message.json(DeploymentTopics.ROLLOUT_STATUS,
        Map.of("id", r.id())), Duration.ofSeconds(10)).json(RolloutStatus.class).phase() == Phase.SUCCEEDED);
    await().atMost(Duration.ofSeconds(30)).until(() -> written.size() >= 2);
    RolloutStatus end = bus.requestSync(Message.json(DeploymentTopics.ROLLOUT_STATUS, Map.of("id", r.id())),
        Duration.ofSeconds(10)).json(RolloutStatus.class);
    assertThat(end.audit()).isEqualTo("tamperproof");
    JsonNode report = bus.requestSync(Message.json("tamperproof.verify", Map.of()), Duration.ofSeconds(30)).jsonTree();
    assertThat(report.path("ok").asBoolean()).as(report.toString()).isTrue();
    assertThat(report.path("recordsChecked").asLong()).isGreaterThanOrEqualTo(2);
  }
}
