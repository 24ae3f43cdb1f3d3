package io.datawarehouse.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dw health}: the health of a running server, or of an embedded kernel when none runs. */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = {"Show the health of every plugin.",
        "Asks a running dw serve (at --url, else the configured server address);",
        "when none answers, starts the plugins here and reports theirs.",
        "Exit code 0 when the status is UP or DEGRADED, 1 when DOWN."})
public final class HealthCommand implements Callable<Integer> {

  @Option(names = "--url", paramLabel = "URL", description = "server to ask, e.g. http://127.0.0.1:8080 (must answer when given)")
  String url;

  @Option(names = "--embedded", description = "do not look for a server; start the plugins here")
  boolean embedded;

  @Option(names = "--json", description = "print the full report as JSON")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CliSupport cli = CliSupport.of(spec);
    JsonNode report = null;
    String source;
    if (!embedded) {
      String target = url;
      if (target == null) {
        Kernel k = cli.kernelBuilder().build();
        var server = k.config().getSection("server");
        String host = server.getString("host");
        target = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.getInt("port");
        k.stop();
      }
      report = fetch(target, url != null);
      source = "server at " + target;
    } else {
      source = "embedded";
    }
    if (report == null) {
      try (Kernel k = cli.kernelBuilder().build()) {
        k.start();
        report = Json.mapper().valueToTree(k.healthReport());
      }
      source = "embedded kernel (no server answered)";
      if (embedded) {
        source = "embedded kernel";
      }
    }
    if (json) {
      cli.printJson(report);
    } else {
      print(cli, report, source);
    }
    return "DOWN".equals(report.path("status").asText()) ? CliSupport.EXIT_FAILURE : CliSupport.EXIT_OK;
  }

  /** The server's report, or null when nothing listens there and the address was not asked for explicitly. */
  private static JsonNode fetch(String base, boolean required) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create(base.replaceAll("/+$", "") + "/api/health"))
        .timeout(Duration.ofSeconds(10)).GET().build();
    try {
      HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        throw DwException.of(ErrorCode.UNAVAILABLE, base + " answered HTTP " + r.statusCode() + " to /api/health");
      }
      return Json.tree(r.body(), "health report from " + base);
    } catch (ConnectException | HttpTimeoutException e) {
      if (required) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "no dw server answers at " + base + " (" + e.getClass().getSimpleName() + ")", e);
      }
      return null;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot ask " + base + " for its health: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "interrupted", e);
    }
  }

  private static void print(CliSupport cli, JsonNode report, String source) {
    cli.out().println("status: " + report.path("status").asText() + "   (" + source + ")");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("PLUGIN", "STATE", "HEALTH", "MESSAGE"));
    for (Map.Entry<String, JsonNode> e : report.path("plugins").properties()) {
      JsonNode h = e.getValue().path("health");
      rows.add(List.of(e.getKey(), e.getValue().path("state").asText(), h.path("status").asText(), h.path("message").asText()));
    }
    if (rows.size() == 1) {
      cli.out().println("no plugins installed");
    } else {
      cli.printTable(rows);
    }
    for (JsonNode err : report.path("loadErrors")) {
      cli.out().println("load error: " + err.asText());
    }
    cli.out().flush();
  }
}
