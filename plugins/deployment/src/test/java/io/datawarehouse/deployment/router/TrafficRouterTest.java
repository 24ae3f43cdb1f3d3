package io.datawarehouse.deployment.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.datawarehouse.deployment.EnvironmentSwitch;
import io.datawarehouse.deployment.SampleServiceAccess;
import io.datawarehouse.deployment.TrafficRoute;
import io.datawarehouse.deployment.TrafficStats;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The router against in-process backends. */
class TrafficRouterTest {
  private final List<HttpServer> backends = new ArrayList<>();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private TrafficRouter router;
  private HttpClient client;
  private int port;

  @BeforeEach
  void setUp() {
    router = new TrafficRouter(TrafficRouter.Options.defaults());
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    port = SampleServiceAccess.freePorts(1);
  }

  @AfterEach
  void tearDown() {
    router.close();
    backends.forEach(b -> b.stop(0));
    client.close();
  }

  /** A backend answering "name method path?query body", or 500 when status is 500. */
  private String backend(String name, int status) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    s.createContext("/", ex -> {
      try (ex) {
        hits.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        String body = name + " " + ex.getRequestMethod() + " " + ex.getRequestURI() + " "
            + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8) + " "
            + ex.getRequestHeaders().getFirst("X-Test");
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
      }
    });
    s.start();
    backends.add(s);
    return "127.0.0.1:" + s.getAddress().getPort();
  }

  private HttpResponse<String> get(String path, String pin) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (pin != null) {
      b.header(TrafficRouter.VERSION_HEADER, pin);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void route_weights_splitWithinBinomialTolerance_andPinningHeaderWins() throws Exception {
    router.route(new TrafficRoute("web", port, List.of(
        new TrafficRoute.Pool("v1", null, 80, List.of(backend("a", 200), backend("b", 200))),
        new TrafficRoute.Pool("v2", null, 20, List.of(backend("c", 200))))));
    int n = 2000;
    int v2 = 0;
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = get("/x", null);
      assertThat(r.statusCode()).isEqualTo(200);
      if (r.headers().firstValue(TrafficRouter.POOL_HEADER).orElseThrow().equals("v2")) {
        v2++;
      }
    }
    // expected 400, standard deviation sqrt(2000*0.2*0.8) = 17.9: allow 5 sigma
    assertThat(v2).isBetween(400 - 90, 400 + 90);
    assertThat(Math.abs(hits.get("a").get() - hits.get("b").get())).isLessThanOrEqualTo(1); // round robin
    for (int i = 0; i < 20; i++) {
      assertThat(get("/", "v2").body()).startsWith("c ");
    }
    TrafficStats st = router.stats("web");
    assertThat(st.pool("v1").requests() + st.pool("v2").requests()).isEqualTo(n + 20);
    assertThat(st.pool("v2").errors()).isZero();
    assertThat(st.pool("v1").latencyMicros(0.5)).isPositive();
  }

  @Test
  void proxy_forwardsMethodPathQueryBodyAndHeaders() throws Exception {
    router.route(new TrafficRoute("web", port, List.of(new TrafficRoute.Pool("v1", null, 1, List.of(backend("a", 200))))));
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/p/q?x=1&y=%20"))
        .header("X-Test", "hello").POST(HttpRequest.BodyPublishers.ofString("payload")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.body()).isEqualTo("a POST /p/q?x=1&y=%20 payload hello");
  }

  @Test
  void errors_5xxAndRefusedConnections_areCountedPerPool_refusedBackendIsSkipped() throws Exception {
    int dead = SampleServiceAccess.freePorts(1);
    router.route(new TrafficRoute("web", port, List.of(
        new TrafficRoute.Pool("v1", null, 0, List.of("127.0.0.1:" + dead, backend("a", 200))),
        new TrafficRoute.Pool("v2", null, 0, List.of(backend("b", 500))),
        new TrafficRoute.Pool("v3", null, 0, List.of("127.0.0.1:" + dead)))));
    for (int i = 0; i < 10; i++) {
      assertThat(get("/", "v1").statusCode()).isEqualTo(200);
      assertThat(get("/", "v2").statusCode()).isEqualTo(500);
      assertThat(get("/", "v3").statusCode()).isEqualTo(502);
    }
    TrafficStats st = router.stats("web");
    assertThat(st.pool("v1").errors()).isZero();
    assertThat(st.pool("v2").errors()).isEqualTo(10);
    assertThat(st.pool("v3").errors()).isEqualTo(10);
    assertThat(get("/", null).statusCode()).isEqualTo(503); // no weight anywhere
  }

  @Test
  void switchEnvironment_movesAllTrafficAtOnce() throws Exception {
    router.route(new TrafficRoute("web", port, List.of(
        new TrafficRoute.Pool("v1", "blue", 100, List.of(backend("blue", 200))),
        new TrafficRoute.Pool("v2", "green", 0, List.of(backend("green", 200))))));
    assertThat(get("/", null).body()).startsWith("blue");
    router.switchEnvironment(new EnvironmentSwitch("web", "green"));
    for (int i = 0; i < 20; i++) {
      assertThat(get("/", null).body()).startsWith("green");
    }
    assertThat(router.stats("web").activeEnvironment()).isEqualTo("green");
    assertThatThrownBy(() -> router.switchEnvironment(new EnvironmentSwitch("web", "purple")))
        .hasMessageContaining("no pool in environment 'purple'");
  }

  @Test
  void rawHttp_chunkedRequest_keepAlive_http10_head_andChunkedBackendAnswer() throws Exception {
    HttpServer chunky = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    chunky.createContext("/", ex -> {
      try (ex) {
        byte[] in = ex.getRequestBody().readAllBytes();
        ex.sendResponseHeaders(200, 0); // chunked
        ex.getResponseBody().write(("got " + ex.getRequestMethod() + " " + new String(in, StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8));
      }
    });
    chunky.start();
    backends.add(chunky);
    router.route(new TrafficRoute("web", port, List.of(new TrafficRoute.Pool("v1", null, 1,
        List.of("127.0.0.1:" + chunky.getAddress().getPort())))));
    try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      var out = s.getOutputStream();
      var in = new java.io.BufferedInputStream(s.getInputStream());
      out.write(("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(readLine(in)).isEqualTo("HTTP/1.1 100 Continue");
      assertThat(readLine(in)).isEmpty();
      out.write("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(readAnswer(in, true)).startsWith("HTTP/1.1 200").endsWith("got POST hello world");
      out.write("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /again HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String head = readAnswer(in, false);
      assertThat(head).startsWith("HTTP/1.1 200").contains("X-DW-Pool: v1").doesNotContain("got");
      String last = readAnswer(in, true);
      assertThat(last).contains("Connection: close").endsWith("got GET ");
      assertThat(in.read()).as("HTTP/1.0 without keep-alive: closed after the answer").isEqualTo(-1);
    }
  }

  private static String readLine(java.io.InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new java.io.EOFException(sb.toString());
      }
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return sb.toString();
  }

  /** Status line, headers and, when {@code body}, the Content-Length body. */
  private static String readAnswer(java.io.InputStream in, boolean body) throws IOException {
    StringBuilder sb = new StringBuilder(readLine(in)).append('\n');
    int length = 0;
    for (String h; !(h = readLine(in)).isEmpty(); ) {
      sb.append(h).append('\n');
      if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(h.substring(15).trim());
      }
    }
    if (body) {
      sb.append(new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  @Test
  void route_badTables_areRefused() {
    assertThatThrownBy(() -> router.route(new TrafficRoute("web", 0, List.of()))).hasMessageContaining("router port");
    assertThatThrownBy(() -> router.route(new TrafficRoute("web", port, List.of(
        new TrafficRoute.Pool("v1", null, 1, List.of("10.0.0.1:80")))))).hasMessageContaining("loopback");
    assertThatThrownBy(() -> router.port("web")).as("a refused table starts no listener")
        .hasMessageContaining("no service 'web'");
    assertThatThrownBy(() -> router.stats("nope")).hasMessageContaining("no service 'nope'");
  }
}
