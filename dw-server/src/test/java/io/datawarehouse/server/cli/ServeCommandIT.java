package io.datawarehouse.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.json.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dw serve} as a real process: real HTTP requests, a bus round trip, SIGTERM. */
class ServeCommandIT {
  @TempDir Path tmp;

  @Test
  void serve_answersHealthAndMetrics_andStopsCleanlyOnSigterm() throws Exception {
    Path log = tmp.resolve("serve.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        "io.datawarehouse.server.Main", "serve", "--port", "0", "--data-dir", tmp.resolve("data").toString()))
        .redirectError(log.toFile())
        .start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("first line of stdout; stderr: %s", Files.exists(log) ? Files.readString(log) : "").isNotNull();
      Matcher m = Pattern.compile("listening on http://([^ ]+):(\\d+)").matcher(line);
      assertThat(m.find()).as(line).isTrue();
      String base = "http://127.0.0.1:" + m.group(2);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

      HttpResponse<String> live = get(http, base + "/health/live");
      assertThat(live.statusCode()).isEqualTo(200);
      HttpResponse<String> ready = get(http, base + "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      HttpResponse<String> health = get(http, base + "/api/health");
      assertThat(health.statusCode()).isEqualTo(200);
      JsonNode report = Json.tree(health.body().getBytes(StandardCharsets.UTF_8), "health");
      assertThat(report.get("status").asText()).isEqualTo("UP");
      assertThat(report.at("/plugins/ping/state").asText()).isEqualTo("RUNNING");
      assertThat(get(http, base + "/nope").statusCode()).isEqualTo(404);

      // dw health asks the running server
      CliRun r = CliRun.dw("health", "--url", base, "--json");
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).contains("\"ping\"");

      HttpResponse<String> metrics = get(http, base + "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("dw_ping_pings_total 0.0").contains("dw_bus_published_total")
          .contains("dw_kernel_plugin_status{plugin=\"ping\"} 0.0").contains("jvm_memory_used_bytes");
    } finally {
      p.destroy(); // SIGTERM
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("process exits after SIGTERM").isTrue();
    String stderr = Files.readString(log);
    assertThat(stderr).contains("kernel started").contains("shutting down").contains("kernel stopped");
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
