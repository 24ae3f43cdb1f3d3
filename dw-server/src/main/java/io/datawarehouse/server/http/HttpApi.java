package io.datawarehouse.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.json.Json;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of {@code dw serve}, on the JDK's HTTP server with a virtual thread per exchange.
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the process runs and the kernel has not stopped.
 *   <li>{@code GET /health/ready}: 200 when the kernel runs and no plugin is DOWN, else 503.
 *   <li>{@code GET /api/health}: the {@code system.health} report as JSON.
 *   <li>{@code GET /metrics}: every metric in the Prometheus text format.
 * </ul>
 *
 * Other modules add routes with {@link #route}. Thread-safe.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

  private final Kernel kernel;
  private final PrometheusMeterRegistry prometheus;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * Binds the server (not yet started).
   *
   * @throws DwException UNAVAILABLE when the address is in use or cannot be bound
   */
  public HttpApi(Kernel kernel, PrometheusMeterRegistry prometheus, String host, int port) {
    this.kernel = kernel;
    this.prometheus = prometheus;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 128);
    } catch (BindException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot listen on " + host + ":" + port + ": " + e.getMessage()
          + " (is another dw serve running? use --port to choose another port, --port 0 for any free one)", e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    server.setExecutor(executor);
    route("/health/live", ex -> {
      boolean live = kernel.state() != Kernel.State.STOPPED;
      send(ex, live ? 200 : 503, "text/plain; charset=utf-8", live ? "live\n" : "stopped\n");
    });
    route("/health/ready", ex -> {
      Health h = kernel.health();
      boolean ready = kernel.state() == Kernel.State.RUNNING && h.status() != Health.Status.DOWN;
      send(ex, ready ? 200 : 503, "text/plain; charset=utf-8", (ready ? "ready: " : "not ready: ") + h.status() + "\n");
    });
    route("/api/health", ex -> {
      Map<String, Object> report = kernel.healthReport();
      send(ex, 200, "application/json", Json.toPrettyString(report) + "\n");
    });
    route("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape()));
    route("/", ex -> send(ex, 404, "application/json",
        Json.toString(Map.of("error", "NOT_FOUND", "message", "no such endpoint: " + ex.getRequestURI().getPath())) + "\n"));
  }

  /** A handler for GET/HEAD requests under {@code path}. */
  @FunctionalInterface
  public interface Route {
    void handle(HttpExchange exchange) throws IOException;
  }

  /** Adds a GET route at {@code path} (and everything under it). */
  public void route(String path, Route route) {
    server.createContext(path, wrap(route));
  }

  private static HttpHandler wrap(Route route) {
    return ex -> {
      try (ex) {
        String m = ex.getRequestMethod();
        if (!m.equals("GET") && !m.equals("HEAD")) {
          ex.getResponseHeaders().add("Allow", "GET, HEAD");
          send(ex, 405, "text/plain; charset=utf-8", "method " + m + " not allowed\n");
          return;
        }
        route.handle(ex);
      } catch (RuntimeException | IOException e) {
        LOG.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
        try {
          send(ex, 500, "application/json", Json.toString(Map.of("error", "INTERNAL", "message", String.valueOf(e.getMessage()))) + "\n");
        } catch (IOException | RuntimeException ignored) {
          // the response was already started; the client sees a truncated reply
        }
      }
    };
  }

  /** Sends a complete response. */
  public static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  public HttpApi start() {
    server.start();
    return this;
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  public String host() {
    return server.getAddress().getHostString();
  }

  /** Stops accepting requests, waits up to a second for exchanges in progress. */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdown();
  }
}
