package io.datawarehouse.deployment.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal Kubernetes API client for one job: roll a Deployment to a new image and watch the
 * rollout, on {@link HttpClient} with no other dependency.
 *
 * <ul>
 *   <li>Auth as a pod's service account: the bearer token is read from the token file and read
 *       again whenever the file's modification time changes (kubelet rotates projected tokens);
 *       the API server's certificate is checked against the CA file; the namespace comes from the
 *       namespace file. All three paths and the API server URL are configurable (tests use a plain
 *       http stand-in; with an https URL the CA file is required).
 *   <li>{@link #setImage}: PATCH of the Deployment with {@code Content-Type:
 *       application/strategic-merge-patch+json}, the container matched by name; returns the pod
 *       template as it was, for {@link #rollback}.
 *   <li>{@link #awaitRollout}: list the Deployment (for its resourceVersion), then watch it from
 *       there; a watch that ends is resumed from the last resourceVersion seen, and a 410 Gone (an
 *       HTTP status or an ERROR event) starts over with a fresh list. Complete when {@code
 *       status.observedGeneration >= metadata.generation} and updated, available and total
 *       replicas all equal {@code spec.replicas}; failed when the Progressing condition says
 *       {@code ProgressDeadlineExceeded}.
 *   <li>{@link #rollback}: re-patches the previous pod template.
 * </ul>
 *
 * <p>Threading: thread-safe; calls block on the network.
 */
public final class KubeClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubeClient.class);
  /** The content type of a strategic merge patch. */
  public static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
  private static final Path SA = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

  /**
   * Where the API server is and how to authenticate.
   *
   * @param apiServer the API server's base URL
   * @param tokenFile the service-account token file
   * @param caFile the CA certificate(s) in PEM, required for https
   * @param namespaceFile the file naming the namespace
   * @param requestTimeout the timeout of one non-watch request
   */
  public record Settings(URI apiServer, Path tokenFile, Path caFile, Path namespaceFile, Duration requestTimeout) {

    /**
     * The in-cluster settings: {@code https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT} and
     * the files under {@code /var/run/secrets/kubernetes.io/serviceaccount}.
     *
     * @throws DwException FAILED_PRECONDITION outside a cluster (the variables are not set)
     */
    public static Settings inCluster() {
      String host = System.getenv("KUBERNETES_SERVICE_HOST");
      String port = System.getenv("KUBERNETES_SERVICE_PORT");
      if (host == null || port == null) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION,
            "not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST/PORT are not set");
      }
      String h = host.contains(":") ? "[" + host + "]" : host;
      return new Settings(URI.create("https://" + h + ":" + port), SA.resolve("token"), SA.resolve("ca.crt"),
          SA.resolve("namespace"), Duration.ofSeconds(30));
    }
  }

  /**
   * The rollout status of a Deployment, as read from one object.
   *
   * @param generation metadata.generation
   * @param observedGeneration status.observedGeneration
   * @param replicas spec.replicas
   * @param updatedReplicas status.updatedReplicas
   * @param availableReplicas status.availableReplicas
   * @param totalReplicas status.replicas (old and new pods)
   * @param progressing the Progressing condition's reason, or null
   * @param resourceVersion metadata.resourceVersion
   */
  public record RolloutState(long generation, long observedGeneration, int replicas, int updatedReplicas,
      int availableReplicas, int totalReplicas, String progressing, String resourceVersion) {

    /** Whether the rollout is complete (the condition {@code kubectl rollout status} waits for). */
    public boolean complete() {
      return observedGeneration >= generation && updatedReplicas == replicas && availableReplicas == replicas
          && totalReplicas == replicas;
    }

    /** Whether the controller gave up: the Progressing condition says ProgressDeadlineExceeded. */
    public boolean deadlineExceeded() {
      return "ProgressDeadlineExceeded".equals(progressing);
    }

    static RolloutState of(JsonNode d) {
      JsonNode st = d.path("status");
      String progressing = null;
      for (JsonNode c : st.path("conditions")) {
        if ("Progressing".equals(c.path("type").asText())) {
          progressing = c.path("reason").asText(null);
        }
      }
      return new RolloutState(d.path("metadata").path("generation").asLong(), st.path("observedGeneration").asLong(),
          d.path("spec").path("replicas").asInt(1), st.path("updatedReplicas").asInt(), st.path("availableReplicas").asInt(),
          st.path("replicas").asInt(), progressing, d.path("metadata").path("resourceVersion").asText(null));
    }
  }

  private final Settings settings;
  private final Time time;
  private final HttpClient http;
  private final String namespace;
  private String token;
  private FileTime tokenModified;

  /**
   * @throws DwException UNAVAILABLE when the namespace, token or CA file cannot be read
   */
  public KubeClient(Settings settings, Time time) {
    this.settings = settings;
    this.time = time;
    try {
      this.namespace = Files.readString(settings.namespaceFile()).trim();
    } catch (IOException e) {
      throw DwException.unavailable("cannot read the namespace file " + settings.namespaceFile(), e);
    }
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(settings.requestTimeout())
        .version(HttpClient.Version.HTTP_1_1);
    if ("https".equalsIgnoreCase(settings.apiServer().getScheme())) {
      b.sslContext(sslContext(settings.caFile()));
    }
    this.http = b.build();
    bearer(); // fail early on a missing token
  }

  /** The namespace from the namespace file. */
  public String namespace() {
    return namespace;
  }

  /** The Deployment object. @throws DwException NOT_FOUND, UNAVAILABLE, PERMISSION_DENIED */
  public JsonNode getDeployment(String name) {
    return send(HttpRequest.newBuilder(uri(deploymentPath(name))).GET(), "get deployment " + name);
  }

  /**
   * Sets the image of one container with a strategic merge patch.
   *
   * @return the pod template before the patch (for {@link #rollback})
   * @throws DwException NOT_FOUND for no such Deployment or container
   */
  public JsonNode setImage(String deployment, String container, String image) {
    JsonNode before = getDeployment(deployment);
    JsonNode template = before.path("spec").path("template");
    boolean found = false;
    for (JsonNode c : template.path("spec").path("containers")) {
      found |= container.equals(c.path("name").asText());
    }
    if (!found) {
      throw DwException.notFound("deployment " + namespace + "/" + deployment + " has no container '" + container + "'");
    }
    ObjectNode patch = Json.object();
    patch.putObject("spec").putObject("template").putObject("spec").putArray("containers").addObject()
        .put("name", container).put("image", image);
    patch(deployment, patch, "set image of " + deployment);
    LOG.info("k8s: deployment {}/{} container {} set to image {}", namespace, deployment, container, image);
    return template.deepCopy();
  }

  /** Puts {@code previousTemplate} back with a strategic merge patch (a rollback). */
  public void rollback(String deployment, JsonNode previousTemplate) {
    ObjectNode patch = Json.object();
    patch.putObject("spec").set("template", previousTemplate);
    patch(deployment, patch, "roll back " + deployment);
    LOG.info("k8s: deployment {}/{} rolled back to its previous template", namespace, deployment);
  }

  /**
   * Watches a Deployment until its rollout completes.
   *
   * @return the final state
   * @throws DwException FAILED_PRECONDITION on ProgressDeadlineExceeded; TIMEOUT after {@code
   *     timeout}; NOT_FOUND, UNAVAILABLE
   */
  public RolloutState awaitRollout(String deployment, Duration timeout) {
    Instant deadline = time.now().plus(timeout);
    String selector = URLEncoder.encode("metadata.name=" + deployment, StandardCharsets.UTF_8);
    String list = "/apis/apps/v1/namespaces/" + namespace + "/deployments?fieldSelector=" + selector;
    String resourceVersion = null;
    while (time.now().isBefore(deadline)) {
      if (resourceVersion == null) {
        JsonNode l = send(HttpRequest.newBuilder(uri(list)).GET(), "list deployment " + deployment);
        JsonNode items = l.path("items");
        if (items.isEmpty()) {
          throw DwException.notFound("no deployment " + namespace + "/" + deployment);
        }
        RolloutState s = check(deployment, RolloutState.of(items.get(0)));
        if (s.complete()) {
          return s;
        }
        resourceVersion = l.path("metadata").path("resourceVersion").asText();
      }
      long seconds = Math.max(1, Math.min(300, Duration.between(time.now(), deadline).toSeconds()));
      HttpRequest req = authorized(HttpRequest.newBuilder(uri(list + "&watch=true&allowWatchBookmarks=true&resourceVersion="
          + URLEncoder.encode(resourceVersion, StandardCharsets.UTF_8) + "&timeoutSeconds=" + seconds)).GET()).build();
      HttpResponse<Stream<String>> resp;
      try {
        resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
      } catch (IOException e) {
        throw DwException.unavailable("watch of deployment " + deployment + " failed: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw DwException.of(ErrorCode.CANCELLED, "interrupted watching deployment " + deployment, e);
      }
      if (resp.statusCode() == 410) {
        resp.body().close();
        LOG.info("k8s: watch of {} answered 410 Gone: listing again", deployment);
        resourceVersion = null;
        continue;
      }
      if (resp.statusCode() / 100 != 2) {
        resp.body().close();
        throw error(resp.statusCode(), "", "watch deployment " + deployment);
      }
      try (Stream<String> lines = resp.body()) {
        Iterator<String> it = lines.iterator();
        while (it.hasNext()) {
          String line = it.next();
          if (line.isBlank()) {
            continue;
          }
          JsonNode ev = Json.tree(line.getBytes(StandardCharsets.UTF_8), "watch event");
          String type = ev.path("type").asText();
          JsonNode obj = ev.path("object");
          if (type.equals("ERROR")) {
            if (obj.path("code").asInt() == 410) {
              LOG.info("k8s: watch of {} expired (410 Gone): listing again", deployment);
              resourceVersion = null;
              break;
            }
            throw DwException.unavailable("watch of deployment " + deployment + " failed: " + obj.path("message").asText(),
                null);
          }
          String rv = obj.path("metadata").path("resourceVersion").asText(null);
          if (rv != null) {
            resourceVersion = rv;
          }
          if (type.equals("BOOKMARK")) {
            continue;
          }
          if (type.equals("DELETED")) {
            throw DwException.notFound("deployment " + namespace + "/" + deployment + " was deleted during its rollout");
          }
          RolloutState s = check(deployment, RolloutState.of(obj));
          if (s.complete()) {
            return s;
          }
        }
      }
    }
    throw DwException.of(ErrorCode.TIMEOUT, "rollout of deployment " + namespace + "/" + deployment
        + " did not complete within " + timeout);
  }

  private RolloutState check(String deployment, RolloutState s) {
    if (s.deadlineExceeded()) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "rollout of deployment " + namespace + "/" + deployment
          + " failed: ProgressDeadlineExceeded (updated " + s.updatedReplicas() + ", available " + s.availableReplicas()
          + " of " + s.replicas() + ")");
    }
    return s;
  }

  @Override
  public void close() {
    http.close();
  }

  private void patch(String deployment, JsonNode patch, String what) {
    send(HttpRequest.newBuilder(uri(deploymentPath(deployment))).header("Content-Type", STRATEGIC_MERGE_PATCH)
        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(patch))), what);
  }

  private String deploymentPath(String name) {
    return "/apis/apps/v1/namespaces/" + namespace + "/deployments/" + name;
  }

  private URI uri(String path) {
    String base = settings.apiServer().toString();
    return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder b) {
    return b.header("Authorization", "Bearer " + bearer()).header("Accept", "application/json");
  }

  private JsonNode send(HttpRequest.Builder b, String what) {
    HttpResponse<byte[]> resp;
    try {
      resp = http.send(authorized(b).timeout(settings.requestTimeout()).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw DwException.unavailable("kubernetes: " + what + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "interrupted: " + what, e);
    }
    if (resp.statusCode() / 100 != 2) {
      throw error(resp.statusCode(), new String(resp.body(), StandardCharsets.UTF_8), what);
    }
    return Json.tree(resp.body(), what);
  }

  private static DwException error(int status, String body, String what) {
    String msg = "kubernetes: " + what + " answered HTTP " + status + (body.isBlank() ? "" : ": " + body.strip());
    return switch (status) {
      case 404 -> DwException.notFound(msg);
      case 401, 403 -> DwException.of(ErrorCode.PERMISSION_DENIED, msg);
      case 409 -> DwException.of(ErrorCode.CONFLICT, msg);
      case 400, 422 -> DwException.invalidArgument(msg);
      default -> DwException.unavailable(msg, null);
    };
  }

  /** The token, read again when the file changed (rotation). Never logged. */
  private synchronized String bearer() {
    try {
      FileTime m = Files.getLastModifiedTime(settings.tokenFile());
      if (token == null || !m.equals(tokenModified)) {
        token = Files.readString(settings.tokenFile()).trim();
        tokenModified = m;
      }
      return token;
    } catch (IOException e) {
      throw DwException.unavailable("cannot read the service-account token file " + settings.tokenFile(), e);
    }
  }

  private static SSLContext sslContext(Path caFile) {
    if (caFile == null) {
      throw DwException.invalidArgument("an https API server needs a CA file");
    }
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      List<Certificate> certs = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
      for (int i = 0; i < certs.size(); i++) {
        ks.setCertificateEntry("ca-" + i, certs.get(i));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw DwException.unavailable("cannot load the CA file " + caFile + ": " + e.getMessage(), e);
    }
  }
}
