package io.datawarehouse.deployment.router;

import io.datawarehouse.deployment.EnvironmentSwitch;
import io.datawarehouse.deployment.LatencyHistogram;
import io.datawarehouse.deployment.TrafficRoute;
import io.datawarehouse.deployment.TrafficStats;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 reverse proxy on loopback that splits each service's requests between pools
 * (versions) by weight, and counts requests, errors and latency per pool.
 *
 * <p>Design: one listener per service ({@link Http1Server}, a thread per client connection) and
 * one shared outbound client with keep-alive connections to the backends. The routing table of a
 * service is an immutable object behind one volatile field: a route or an environment switch builds
 * a new table and swaps it in, so every request sees either the old table or the new one, never a
 * mix. A request carrying {@code X-DW-Version: <pool>} goes to that pool whatever the weights (for
 * tests and smoke checks); otherwise a pool is drawn with probability weight / total, and a backend
 * in round robin. A connection refused by one backend is retried on the next backend of the same
 * pool (nothing was sent, so this is safe for any method); a request no backend accepted, a 5xx
 * answer or a timeout counts as an error of the pool. The answer carries {@code X-DW-Pool} naming
 * the pool that served it.
 *
 * <p>Both sides are small blocking HTTP/1.1 codecs run on the client connection's thread, a
 * platform thread by default ({@link Options#virtualThreads}) ({@link Http1Server} in,
 * {@link Http1Client} out, with keep-alive pools), which cost far less per request than the JDK's
 * {@code HttpServer} and {@code HttpClient} (the first version; see the README for the figures)
 * and keep the plugin free of external dependencies. Bodies are buffered (up to {@link
 * Options#maxBodyBytes}); no HTTP/2, no upgrades. The overhead is measured in dw-bench ({@code
 * RouterOverheadBenchmark}).
 *
 * <p>Threading: thread-safe.
 */
public final class TrafficRouter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrafficRouter.class);
  /** The header that pins a request to a pool. */
  public static final String VERSION_HEADER = "X-DW-Version";
  /** The answer header naming the pool that served. */
  public static final String POOL_HEADER = "X-DW-Pool";
  /** Headers not forwarded (hop-by-hop ones, and those the router sets itself), by length then name. */
  static boolean hopByHop(String name) {
    return switch (name.length()) {
      case 2 -> name.equalsIgnoreCase("te");
      case 4 -> name.equalsIgnoreCase("host");
      case 6 -> name.equalsIgnoreCase("expect");
      case 7 -> name.equalsIgnoreCase("trailer") || name.equalsIgnoreCase("upgrade");
      case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 14 -> name.equalsIgnoreCase("content-length");
      case 17 -> name.equalsIgnoreCase("transfer-encoding");
      case 18 -> name.equalsIgnoreCase("proxy-authenticate");
      case 19 -> name.equalsIgnoreCase("proxy-authorization");
      default -> false;
    };
  }

  /**
   * Options.
   *
   * @param connectTimeout to connect to a backend
   * @param requestTimeout for a backend's answer
   * @param maxBodyBytes the largest request or answer body (bodies are buffered)
   * @param virtualThreads serve each client connection on a virtual thread instead of a platform
   *     thread (cheaper to hold many idle connections, dearer per request: see the README)
   */
  public record Options(Duration connectTimeout, Duration requestTimeout, long maxBodyBytes, boolean virtualThreads) {
    /** With platform threads. */
    public Options(Duration connectTimeout, Duration requestTimeout, long maxBodyBytes) {
      this(connectTimeout, requestTimeout, maxBodyBytes, false);
    }

    /** 2 s to connect, 30 s to answer, bodies up to 16 MiB, platform threads. */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(2), Duration.ofSeconds(30), 16L << 20, false);
    }
  }

  /** One pool as routed: immutable but for its counters, which outlive tables. */
  private record Pool(String name, String environment, int weight, List<InetSocketAddress> backends, AtomicInteger next,
      PoolCounters counters, Map.Entry<String, String> header) {
    Pool(String name, String environment, int weight, List<InetSocketAddress> backends, AtomicInteger next,
        PoolCounters counters) {
      this(name, environment, weight, backends, next, counters, Map.entry(POOL_HEADER, name));
    }
  }

  private static final class PoolCounters {
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LatencyHistogram latency = new LatencyHistogram();
  }

  private record Table(List<Pool> pools, int totalWeight, String activeEnvironment) {
    Pool pick(String pinned) {
      if (pinned != null) {
        for (Pool p : pools) {
          if (p.name.equals(pinned)) {
            return p;
          }
        }
      }
      if (totalWeight <= 0) {
        return null;
      }
      int r = ThreadLocalRandom.current().nextInt(totalWeight);
      for (Pool p : pools) {
        r -= p.weight;
        if (r < 0) {
          return p;
        }
      }
      return null;
    }
  }

  private final class Service {
    final String name;
    final Http1Server server;
    final Map<String, PoolCounters> counters = new ConcurrentHashMap<>();
    volatile Table table = new Table(List.of(), 0, null);

    Service(String name, int port) throws IOException {
      this.name = name;
      this.server = new Http1Server(port, this::handle, options.maxBodyBytes(), Duration.ofSeconds(60),
          "dw-router-" + name, !options.virtualThreads());
    }

    Http1Server.Response handle(Http1Server.Request req) {
      Table t = table;
      Pool pool = t.pick(req.header(VERSION_HEADER));
      if (pool == null || pool.backends.isEmpty()) {
        return text(503, List.of(), "no backend routed for service '" + name + "'");
      }
      long start = System.nanoTime();
      List<Map.Entry<String, String>> headers = new ArrayList<>(req.headers().size() + 1);
      for (Map.Entry<String, String> h : req.headers()) {
        if (!hopByHop(h.getKey())) {
          headers.add(h);
        }
      }
      headers.add(Map.entry("X-Forwarded-For", req.remote().getHostAddress()));
      Http1Client.Response resp = null;
      Exception failure = null;
      int first = Math.floorMod(pool.next.getAndIncrement(), pool.backends.size());
      for (int i = 0; i < pool.backends.size(); i++) {
        InetSocketAddress backend = pool.backends.get((first + i) % pool.backends.size());
        try {
          resp = http.exchange(backend, req.method(), req.target(), headers, req.body());
          failure = null;
          break;
        } catch (Http1Client.ConnectFailed e) {
          failure = e; // nothing was sent: try the next backend
        } catch (IOException e) {
          failure = e;
          break;
        }
      }
      PoolCounters c = pool.counters;
      c.requests.increment();
      List<Map.Entry<String, String>> out = new ArrayList<>(resp == null ? 2 : resp.headers().size() + 1);
      out.add(pool.header);
      if (resp == null) {
        c.errors.increment();
        c.latency.recordMicros((System.nanoTime() - start) / 1000);
        return text(502, out, "bad gateway: pool '" + pool.name + "': " + failure);
      }
      if (resp.status() >= 500) {
        c.errors.increment();
      }
      for (Map.Entry<String, String> h : resp.headers()) {
        if (!hopByHop(h.getKey())) {
          out.add(h);
        }
      }
      c.latency.recordMicros((System.nanoTime() - start) / 1000);
      return new Http1Server.Response(resp.status(), out, resp.body());
    }

    void close() {
      server.close();
    }
  }

  private static Http1Server.Response text(int status, List<Map.Entry<String, String>> headers, String message) {
    List<Map.Entry<String, String>> h = new ArrayList<>(headers);
    h.add(Map.entry("Content-Type", "text/plain; charset=utf-8"));
    return new Http1Server.Response(status, h, (message + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private final Options options;
  private final Http1Client http;
  private final Map<String, Service> services = new ConcurrentHashMap<>();

  /** A router with no services yet. */
  public TrafficRouter(Options options) {
    this.options = options;
    this.http = new Http1Client(options.connectTimeout(), options.requestTimeout(), options.maxBodyBytes());
  }

  /**
   * Installs a service's routing table, starting its listener on the first call.
   *
   * @throws DwException INVALID_ARGUMENT for a bad table (no service, negative weight, a backend
   *     that is not loopback host:port, a first table without a port); UNAVAILABLE when the port
   *     cannot be bound
   */
  public synchronized void route(TrafficRoute r) {
    if (r == null || r.service() == null || r.service().isBlank()) {
      throw DwException.invalidArgument("a traffic route needs a service");
    }
    List<TrafficRoute.Pool> given = r.pools() == null ? List.of() : r.pools();
    List<List<InetSocketAddress>> addresses = new ArrayList<>();
    for (TrafficRoute.Pool p : given) { // validate everything before a listener starts
      if (p.name() == null || p.name().isBlank() || p.weight() < 0) {
        throw DwException.invalidArgument("service '" + r.service() + "': every pool needs a name and a weight >= 0, got "
            + p);
      }
      List<InetSocketAddress> backends = new ArrayList<>();
      for (String b : p.backends() == null ? List.<String>of() : p.backends()) {
        backends.add(backend(r.service(), b));
      }
      addresses.add(List.copyOf(backends));
    }
    Service s = services.get(r.service());
    if (s == null) {
      if (r.port() <= 0 || r.port() > 65535) {
        throw DwException.invalidArgument("the first route of service '" + r.service() + "' must give the router port"
            + " (1..65535), was " + r.port());
      }
      try {
        s = new Service(r.service(), r.port());
      } catch (IOException e) {
        throw DwException.unavailable("cannot listen on 127.0.0.1:" + r.port() + " for service '" + r.service() + "'", e);
      }
      services.put(r.service(), s);
      LOG.info("router: service '{}' listening on 127.0.0.1:{}", r.service(), s.server.port());
    } else if (r.port() > 0 && r.port() != s.server.port()) {
      throw DwException.invalidArgument("service '" + r.service() + "' is routed on port "
          + s.server.port() + ", a route cannot move it to " + r.port());
    }
    List<Pool> pools = new ArrayList<>();
    int total = 0;
    for (int i = 0; i < given.size(); i++) {
      TrafficRoute.Pool p = given.get(i);
      pools.add(new Pool(p.name(), p.environment(), p.weight(), addresses.get(i), new AtomicInteger(),
          s.counters.computeIfAbsent(p.name(), k -> new PoolCounters())));
      total += p.weight();
    }
    s.table = new Table(List.copyOf(pools), total, s.table.activeEnvironment);
    LOG.info("router: service '{}' routed {}", r.service(), describe(s.table));
  }

  /**
   * Gives every pool of {@code environment} weight 100 and every other pool 0, in one swap.
   *
   * @throws DwException NOT_FOUND for an unknown service; FAILED_PRECONDITION when no pool belongs
   *     to the environment
   */
  public synchronized void switchEnvironment(EnvironmentSwitch sw) {
    Service s = service(sw.service());
    Table t = s.table;
    List<Pool> pools = new ArrayList<>();
    boolean found = false;
    int total = 0;
    for (Pool p : t.pools) {
      boolean on = sw.environment() != null && sw.environment().equals(p.environment);
      found |= on;
      pools.add(new Pool(p.name, p.environment, on ? 100 : 0, p.backends, p.next, p.counters));
      total += on ? 100 : 0;
    }
    if (!found) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "service '" + sw.service() + "' has no pool in environment '"
          + sw.environment() + "' (pools: " + describe(t) + ")");
    }
    s.table = new Table(List.copyOf(pools), total, sw.environment());
    LOG.info("router: service '{}' switched to environment {}", sw.service(), sw.environment());
  }

  /** The counts of every pool of a service. @throws DwException NOT_FOUND for an unknown service */
  public TrafficStats stats(String service) {
    Service s = service(service);
    Table t = s.table;
    List<TrafficStats.PoolStats> out = new ArrayList<>();
    for (Map.Entry<String, PoolCounters> e : new java.util.TreeMap<>(s.counters).entrySet()) {
      int weight = t.pools.stream().filter(p -> p.name.equals(e.getKey())).mapToInt(Pool::weight).sum();
      PoolCounters c = e.getValue();
      out.add(new TrafficStats.PoolStats(e.getKey(), weight, c.requests.sum(), c.errors.sum(), c.latency.snapshot()));
    }
    return new TrafficStats(service, t.activeEnvironment, out);
  }

  /** The port a service listens on. @throws DwException NOT_FOUND for an unknown service */
  public int port(String service) {
    return service(service).server.port();
  }

  /** Stops every listener. */
  @Override
  public synchronized void close() {
    services.values().forEach(Service::close);
    services.clear();
    http.close();
  }

  private Service service(String name) {
    Service s = services.get(name);
    if (s == null) {
      throw DwException.notFound("the router has no service '" + name + "' (services: " + services.keySet() + ")");
    }
    return s;
  }

  private static InetSocketAddress backend(String service, String hostPort) {
    int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
    String host = colon < 0 ? "" : hostPort.substring(0, colon);
    if (!host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("[::1]")) {
      throw DwException.invalidArgument("service '" + service + "': a backend must be a loopback host:port, was '"
          + hostPort + "'");
    }
    try {
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return new InetSocketAddress(host.equals("[::1]") ? "::1" : host, port);
    } catch (NumberFormatException e) {
      throw DwException.invalidArgument("service '" + service + "': bad backend port in '" + hostPort + "'");
    }
  }

  private static String describe(Table t) {
    StringBuilder sb = new StringBuilder();
    for (Pool p : t.pools) {
      sb.append(p.name).append(p.environment == null ? "" : "/" + p.environment).append('=').append(p.weight)
          .append(p.backends.size() == 1 ? " (1 backend) " : " (" + p.backends.size() + " backends) ");
    }
    return sb.toString().trim();
  }
}
