package io.datawarehouse.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.kernel.Kernel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host of the orchestrator, supervisor and router is killed (SIGKILL) in the middle of a
 * rolling update; a new host over the same data directory adopts the instances that still run,
 * resumes the rollout where its persisted state stood, and finishes it.
 */
class CrashRecoveryIT {
  @TempDir
  Path tmp;

  private Process host;
  private Kernel kernel;

  @AfterEach
  void tearDown() {
    if (host != null) {
      host.destroyForcibly();
    }
    if (kernel != null) {
      kernel.close();
    }
  }

  private static String spec(String version, int base, String strategy) {
    StringBuilder cmd = new StringBuilder();
    for (String a : SampleService.command("--port", "${port}", "--version", "${version}")) {
      cmd.append(cmd.isEmpty() ? "" : ", ").append(io.datawarehouse.sdk.json.Json.toString(a));
    }
    return """
        service: web
        version: {name: %s, command: [%s], readinessPath: /health}
        instances: 3
        basePort: %d
        routerPort: %d
        strategy: %s
        """.formatted(version, cmd, base, base + 9, strategy);
  }

  @Test
  void hostKilledMidRollingUpdate_newHostAdoptsInstancesAndFinishes() throws Exception {
    int base = SampleService.freePorts(10);
    Path cfg = tmp.resolve("dw.yaml");
    Files.writeString(cfg, "deployment: {orchestrator: {pollInterval: 50ms}}\n");
    Path data = tmp.resolve("data");
    Path v1 = tmp.resolve("v1.yaml");
    Path v2 = tmp.resolve("v2.yaml");
    Files.writeString(v1, spec("v1", base, "{type: rolling}"));
    Files.writeString(v2, spec("v2", base, "{type: rolling, maxUnavailable: 1, minReady: 1500ms}"));
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), DeployHost.class.getName(), cfg.toString(), data.toString(),
        v1.toString(), v2.toString()));
    host = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("host.log").toFile()).start();
    Path dir = data.resolve("deployment");
    // kill the host once the rollout to v2 has replaced its first instance, but not all of them
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() ->
        Files.isDirectory(dir.resolve("rollouts")) && Orchestrator.readStatuses(dir).stream()
            .anyMatch(s -> s.id().equals("web-2") && s.instances().containsValue("v2")));
    host.destroyForcibly().waitFor();
    RolloutStatus atKill = Orchestrator.readStatuses(dir).stream().filter(s -> s.id().equals("web-2")).findFirst()
        .orElseThrow();
    assertThat(atKill.phase()).as(Files.readString(tmp.resolve("host.log"))).isEqualTo(Phase.PROGRESSING);
    assertThat(atKill.instances()).containsValue("v1");

    kernel = Kernel.builder().configFile(cfg).dataDir(data).plugins(List.of(new DeploymentPlugin())).build();
    kernel.start();
    Orchestrator o = ((DeploymentPlugin) kernel.plugin("deployment")).orchestrator();
    await().atMost(Duration.ofSeconds(120)).until(() -> o.status("web-2").phase().terminal());
    RolloutStatus end = o.status("web-2");
    assertThat(end.phase()).as(end.message()).isEqualTo(Phase.SUCCEEDED);
    assertThat(end.history()).anySatisfy(e -> assertThat(e.type()).isEqualTo("resumed"));
    var sup = ((DeploymentPlugin) kernel.plugin("deployment")).supervisor();
    for (int i = 0; i < 3; i++) {
      InstanceHealth h = sup.health("web-" + i);
      assertThat(h.version()).isEqualTo("v2");
      assertThat(h.ready()).isTrue();
    }
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (base + 9) + "/"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("v2\n");
    }
    kernel.close();
    kernel = null;
    // nothing is left running: the adopted v1 instances were replaced and the new host stopped everything
    for (int i = 0; i < 3; i++) {
      assertThat(Files.exists(dir.resolve("instances").resolve("web-" + i + ".state"))).isFalse();
    }
  }
}
