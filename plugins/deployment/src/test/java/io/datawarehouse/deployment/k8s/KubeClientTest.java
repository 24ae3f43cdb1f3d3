package io.datawarehouse.deployment.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a local stand-in of the few API server endpoints it uses (plain http; no
 * cluster exists here), which records every request.
 */
class KubeClientTest {
  @TempDir
  Path tmp;

  /** One recorded request. */
  record Recorded(String method, String uri, String contentType, String authorization, String body) {}

  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  /** Each watch request takes the next script: an HTTP status, or event lines streamed then closed. */
  private final ConcurrentLinkedQueue<Object> watchScripts = new ConcurrentLinkedQueue<>();
  private volatile ObjectNode deployment;
  private HttpServer server;
  private KubeClient client;
  private Path tokenFile;

  @BeforeEach
  void setUp() throws IOException {
    deployment = deployment(1, 1, 3, 3, 3, 3, "100", "NewReplicaSetAvailable");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", ex -> {
      try (ex) {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String uri = ex.getRequestURI().toString();
        requests.add(new Recorded(ex.getRequestMethod(), uri, ex.getRequestHeaders().getFirst("Content-Type"),
            ex.getRequestHeaders().getFirst("Authorization"), body));
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
        if (path.equals("/apis/apps/v1/namespaces/shop/deployments/web")) {
          if (ex.getRequestMethod().equals("PATCH")) {
            JsonNode patch = Json.tree(body.getBytes(StandardCharsets.UTF_8), "patch");
            ObjectNode d = deployment.deepCopy();
            d.withObject("/metadata").put("generation", d.path("metadata").path("generation").asLong() + 1);
            if (patch.path("spec").path("template").path("spec").has("containers")) {
              ((ObjectNode) d.path("spec").path("template").path("spec").path("containers").get(0))
                  .put("image", patch.path("spec").path("template").path("spec").path("containers").get(0)
                      .path("image").asText());
            }
            deployment = d;
          }
          reply(ex, 200, Json.toString(deployment));
        } else if (path.equals("/apis/apps/v1/namespaces/shop/deployments") && query.contains("watch=true")) {
          Object script = watchScripts.poll();
          if (script instanceof Integer status) {
            reply(ex, status, "{\"kind\":\"Status\",\"code\":" + status + "}");
            return;
          }
          ex.sendResponseHeaders(200, 0);
          try (OutputStream os = ex.getResponseBody()) {
            for (Object line : script == null ? List.of() : (List<?>) script) {
              os.write((line + "\n").getBytes(StandardCharsets.UTF_8));
              os.flush();
            }
          }
        } else if (path.equals("/apis/apps/v1/namespaces/shop/deployments")) {
          reply(ex, 200, "{\"kind\":\"DeploymentList\",\"metadata\":{\"resourceVersion\":\"500\"},\"items\":["
              + Json.toString(deployment) + "]}");
        } else {
          reply(ex, 404, "{\"kind\":\"Status\",\"code\":404}");
        }
      }
    });
    server.start();
    tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, "token-1\n");
    Files.writeString(tmp.resolve("namespace"), "shop\n");
    client = new KubeClient(new KubeClient.Settings(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        tokenFile, tmp.resolve("ca.crt"), tmp.resolve("namespace"), Duration.ofSeconds(5)), Time.SYSTEM);
  }

  @AfterEach
  void tearDown() {
    client.close();
    server.stop(0);
  }

  private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  static ObjectNode deployment(long gen, long observed, int replicas, int updated, int available, int total, String rv,
      String progressingReason) {
    ObjectNode d = Json.object();
    d.put("kind", "Deployment");
    d.putObject("metadata").put("name", "web").put("namespace", "shop").put("generation", gen).put("resourceVersion", rv);
    ObjectNode spec = d.putObject("spec");
    spec.put("replicas", replicas);
    spec.putObject("template").putObject("spec").putArray("containers").addObject().put("name", "app")
        .put("image", "shop/web:1");
    ObjectNode st = d.putObject("status");
    st.put("observedGeneration", observed).put("replicas", total).put("updatedReplicas", updated)
        .put("availableReplicas", available);
    st.putArray("conditions").addObject().put("type", "Progressing")
        .put("status", progressingReason.equals("ProgressDeadlineExceeded") ? "False" : "True")
        .put("reason", progressingReason);
    return d;
  }

  private static String event(String type, JsonNode obj) {
    return "{\"type\":\"" + type + "\",\"object\":" + Json.toString(obj) + "}";
  }

  @Test
  void setImage_sendsStrategicMergePatchWithBearerToken_andReturnsPreviousTemplate() {
    JsonNode previous = client.setImage("web", "app", "shop/web:2");
    Recorded patch = requests.stream().filter(r -> r.method().equals("PATCH")).findFirst().orElseThrow();
    assertThat(patch.uri()).isEqualTo("/apis/apps/v1/namespaces/shop/deployments/web");
    assertThat(patch.contentType()).isEqualTo("application/strategic-merge-patch+json");
    assertThat(patch.authorization()).isEqualTo("Bearer token-1");
    assertThat(Json.tree(patch.body().getBytes(StandardCharsets.UTF_8), "patch")).isEqualTo(Json.tree(
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"shop/web:2\"}]}}}}"
            .getBytes(StandardCharsets.UTF_8), "expected"));
    assertThat(previous.path("spec").path("containers").get(0).path("image").asText()).isEqualTo("shop/web:1");
    assertThat(deployment.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText())
        .isEqualTo("shop/web:2");

    client.rollback("web", previous);
    Recorded back = requests.get(requests.size() - 1);
    assertThat(back.method()).isEqualTo("PATCH");
    assertThat(back.contentType()).isEqualTo(KubeClient.STRATEGIC_MERGE_PATCH);
    assertThat(Json.tree(back.body().getBytes(StandardCharsets.UTF_8), "patch").path("spec").path("template"))
        .isEqualTo(previous);
    assertThat(deployment.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText())
        .isEqualTo("shop/web:1");
  }

  @Test
  void setImage_unknownContainer_isNotFound_andNothingIsPatched() {
    assertThatThrownBy(() -> client.setImage("web", "sidecar", "x:1")).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThat(requests).noneMatch(r -> r.method().equals("PATCH"));
    assertThatThrownBy(() -> client.getDeployment("nope")).hasMessageContaining("HTTP 404");
  }

  @Test
  void token_rotated_isReadAgain() throws Exception {
    client.getDeployment("web");
    Files.writeString(tokenFile, "token-2\n");
    Files.setLastModifiedTime(tokenFile, FileTime.from(Instant.now().plusSeconds(60)));
    client.getDeployment("web");
    assertThat(requests).extracting(Recorded::authorization).containsExactly("Bearer token-1", "Bearer token-2");
  }

  @Test
  void awaitRollout_watchesUntilObservedAndAllReplicasUpdatedAndAvailable() {
    deployment = deployment(2, 1, 3, 0, 3, 3, "500", "ReplicaSetUpdated");
    watchScripts.add(List.of(
        event("MODIFIED", deployment(2, 2, 3, 1, 3, 4, "501", "ReplicaSetUpdated")),
        "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Deployment\",\"metadata\":{\"resourceVersion\":\"502\"}}}",
        event("MODIFIED", deployment(2, 2, 3, 3, 2, 3, "503", "ReplicaSetUpdated")),
        event("MODIFIED", deployment(2, 2, 3, 3, 3, 3, "504", "NewReplicaSetAvailable"))));
    KubeClient.RolloutState s = client.awaitRollout("web", Duration.ofSeconds(30));
    assertThat(s.complete()).isTrue();
    assertThat(s.resourceVersion()).isEqualTo("504");
    Recorded watch = requests.stream().filter(r -> r.uri().contains("watch=true")).findFirst().orElseThrow();
    assertThat(watch.uri()).contains("fieldSelector=metadata.name%3Dweb", "resourceVersion=500");
  }

  @Test
  void awaitRollout_410GoneAsStatusOrEvent_listsAgain_andResumesFromLastVersionAfterAWatchEnds() {
    deployment = deployment(2, 1, 2, 0, 2, 2, "500", "ReplicaSetUpdated");
    watchScripts.add(410); // the resourceVersion is too old
    watchScripts.add(List.of("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\"}}"));
    watchScripts.add(List.of(event("MODIFIED", deployment(2, 2, 2, 1, 2, 3, "610", "ReplicaSetUpdated")))); // then ends
    watchScripts.add(List.of(event("MODIFIED", deployment(2, 2, 2, 2, 2, 2, "611", "NewReplicaSetAvailable"))));
    assertThat(client.awaitRollout("web", Duration.ofSeconds(30)).complete()).isTrue();
    List<String> gets = requests.stream().map(Recorded::uri).filter(u -> u.contains("/deployments?")).toList();
    assertThat(gets).hasSize(7);
    assertThat(gets.get(0)).doesNotContain("watch");
    assertThat(gets.get(1)).contains("watch=true");
    assertThat(gets.get(2)).doesNotContain("watch"); // re-list after the 410 status
    assertThat(gets.get(4)).doesNotContain("watch"); // re-list after the 410 event
    assertThat(gets.get(6)).contains("watch=true", "resourceVersion=610"); // resumed where the ended watch stood
  }

  @Test
  void awaitRollout_progressDeadlineExceeded_fails() {
    deployment = deployment(2, 1, 3, 0, 3, 3, "500", "ReplicaSetUpdated");
    watchScripts.add(List.of(event("MODIFIED", deployment(2, 2, 3, 1, 2, 4, "501", "ProgressDeadlineExceeded"))));
    assertThatThrownBy(() -> client.awaitRollout("web", Duration.ofSeconds(30))).isInstanceOf(DwException.class)
        .hasMessageContaining("ProgressDeadlineExceeded")
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
  }

  @Test
  void inCluster_outsideAPod_saysSo() {
    if (System.getenv("KUBERNETES_SERVICE_HOST") == null) {
      assertThatThrownBy(KubeClient.Settings::inCluster).hasMessageContaining("not running in a Kubernetes pod");
    }
  }
}
