package io.datawarehouse.bench.deployment;

import com.sun.net.httpserver.HttpServer;
import io.datawarehouse.deployment.TrafficRoute;
import io.datawarehouse.deployment.router.TrafficRouter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The traffic router's overhead: small GET requests sent straight to a service ({@code direct}, the
 * baseline) and through the router to the same service ({@code proxied}), in the same run, from 8
 * client threads with keep-alive connections. The service is a JDK HttpServer answering 64 bytes;
 * the router has one pool of one backend, so every request does the router's full work (table
 * lookup, weighted pick, counting, latency histogram). Client, router and service share the JVM and
 * the machine's cores, as they share a host in the local deployment.
 *
 * <p>Throughput mode gives requests/s; sample-time mode gives the latency distribution (read p99).
 * Each iteration also prints the process CPU time per request, a figure far less sensitive to
 * other load on the machine.
 * Goal: proxied throughput at least 70% of direct, p99 overhead under 2 ms.
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar RouterOverheadBenchmark -f 1 -wi 2 -i 3 -r 5s}
 * (add {@code -p routerThreads=platform} for the default router only)
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Threads(8)
@State(Scope.Benchmark)
public class RouterOverheadBenchmark {
  /**
   * The router's thread per client connection: {@code platform} (the default) or {@code virtual}.
   * The direct baseline does not use the router; it is measured again with each value, so each
   * ratio has its own baseline from the same stretch of the run.
   */
  @Param({"platform", "virtual"})
  public String routerThreads;

  private HttpServer service;
  private ExecutorService serviceExecutor;
  private TrafficRouter router;
  private HttpClient client;
  private HttpRequest direct;
  private HttpRequest proxied;

  /** Starts the service and the router. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    byte[] body = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n".getBytes(StandardCharsets.UTF_8);
    service = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    serviceExecutor = Executors.newVirtualThreadPerTaskExecutor();
    service.setExecutor(serviceExecutor);
    service.createContext("/", ex -> {
      try (ex) {
        ex.getRequestBody().readAllBytes();
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream os = ex.getResponseBody()) {
          os.write(body);
        }
      }
    });
    service.start();
    int routerPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      routerPort = s.getLocalPort();
    }
    TrafficRouter.Options d = TrafficRouter.Options.defaults();
    router = new TrafficRouter(new TrafficRouter.Options(d.connectTimeout(), d.requestTimeout(), d.maxBodyBytes(),
        routerThreads.equals("virtual")));
    router.route(new TrafficRoute("bench", routerPort, List.of(new TrafficRoute.Pool("v1", null, 100,
        List.of("127.0.0.1:" + service.getAddress().getPort())))));
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    direct = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.getAddress().getPort() + "/x")).build();
    proxied = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + routerPort + "/x")).build();
  }

  /** Stops everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    client.close();
    router.close();
    service.stop(0);
    serviceExecutor.close();
  }

  /** Per-thread time spent in each kind of request by {@link #interleaved}, summed per iteration. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Split {
    /** Nanoseconds spent in direct requests. */
    public long directNanos;
    /** Nanoseconds spent in proxied requests. */
    public long proxiedNanos;
    boolean flip;

    /** Starts each iteration from zero. */
    @Setup(Level.Iteration)
    public void clean() {
      directNanos = 0;
      proxiedNanos = 0;
    }
  }

  /**
   * One direct and one proxied request per call, each timed: both kinds run in the same instants,
   * so whatever else loads the machine weighs on both alike. {@code directNanos / proxiedNanos} is
   * the proxied share of direct throughput at this concurrency (the same client threads, one request
   * in flight each). Throughput mode only.
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  public int interleaved(Split split) throws Exception {
    boolean directFirst = split.flip = !split.flip; // alternate the order: neither kind always goes first
    long t0 = System.nanoTime();
    int a = send(directFirst ? direct : proxied);
    long t1 = System.nanoTime();
    int b = send(directFirst ? proxied : direct);
    long t2 = System.nanoTime();
    long d = directFirst ? t1 - t0 : t2 - t1;
    long p = directFirst ? t2 - t1 : t1 - t0;
    split.directNanos += d;
    split.proxiedNanos += p;
    directLatency.record(d);
    proxiedLatency.record(p);
    return a + b;
  }

  /** Baseline: straight to the service. */
  @Benchmark
  public int direct() throws Exception {
    return send(direct);
  }

  /** Through the router. */
  @Benchmark
  public int proxied() throws Exception {
    return send(proxied);
  }

  private int send(HttpRequest r) throws Exception {
    HttpResponse<byte[]> resp = client.send(r, HttpResponse.BodyHandlers.ofByteArray());
    if (resp.statusCode() != 200) {
      throw new IllegalStateException("status " + resp.statusCode());
    }
    requests.increment();
    return resp.body().length;
  }

  private final java.util.concurrent.atomic.LongAdder requests = new java.util.concurrent.atomic.LongAdder();
  private long cpuAtStart;
  private long requestsAtStart;

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Latencies in 10 us buckets up to 200 ms (the last bucket takes the rest), for {@link #interleaved}. */
  static final class Latencies {
    private final java.util.concurrent.atomic.AtomicLongArray buckets = new java.util.concurrent.atomic.AtomicLongArray(
        20_001);

    void record(long nanos) {
      buckets.incrementAndGet((int) Math.min(20_000, nanos / 10_000));
    }

    void reset() {
      for (int i = 0; i < buckets.length(); i++) {
        buckets.set(i, 0);
      }
    }

    /** The quantile in ms (bucket upper bound); NaN when empty. */
    double quantileMs(double q) {
      long total = 0;
      for (int i = 0; i < buckets.length(); i++) {
        total += buckets.get(i);
      }
      long rank = Math.max(1, (long) Math.ceil(q * total));
      long seen = 0;
      for (int i = 0; i < buckets.length() && total > 0; i++) {
        seen += buckets.get(i);
        if (seen >= rank) {
          return (i + 1) / 100.0;
        }
      }
      return Double.NaN;
    }
  }

  private final Latencies directLatency = new Latencies();
  private final Latencies proxiedLatency = new Latencies();

  /** Notes the process's CPU time at the start of an iteration. */
  @Setup(Level.Iteration)
  public void iterationStart() {
    directLatency.reset();
    proxiedLatency.reset();
    cpuAtStart = processCpuNanos();
    requestsAtStart = requests.sum();
  }

  /**
   * Prints the CPU time the whole process (client, router when proxied, service) spent per request
   * in the iteration: unlike requests/s it hardly depends on what else runs on the machine, so the
   * direct/proxied ratio of these figures is the throughput ratio a CPU-bound idle host would see.
   */
  @TearDown(Level.Iteration)
  public void iterationEnd() {
    long n = requests.sum() - requestsAtStart;
    double d99 = directLatency.quantileMs(0.99);
    if (!Double.isNaN(d99)) {
      double p99 = proxiedLatency.quantileMs(0.99);
      System.out.printf("  [interleaved p50 direct %.2f ms, proxied %.2f ms; p99 direct %.2f ms, proxied %.2f ms,"
          + " overhead %.2f ms]%n", directLatency.quantileMs(0.5), proxiedLatency.quantileMs(0.5), d99, p99, p99 - d99);
    }
    if (n > 0) {
      System.out.printf("  [cpu per request: %.1f us over %d requests, routerThreads=%s]%n",
          (processCpuNanos() - cpuAtStart) / 1000.0 / n, n, routerThreads);
    }
  }
}
