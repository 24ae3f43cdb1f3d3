package io.datawarehouse.deployment;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny HTTP service run as a separate JVM by the tests: {@code --port N --version V [--fail
 * FRACTION]}. {@code GET /health} answers 200; any other path answers 200 with the version, except
 * that a {@code --fail} fraction of requests (spread evenly: the n-th fails when floor(n*f) grows)
 * answers 500. Stops on SIGTERM.
 */
public final class SampleService {
  private SampleService() {}

  /** Entry point. */
  public static void main(String[] args) throws IOException {
    int port = 0;
    String version = "v?";
    double fail = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--version" -> version = args[i + 1];
        case "--fail" -> fail = Double.parseDouble(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    String v = version;
    double f = fail;
    AtomicLong count = new AtomicLong();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/health", ex -> {
      try (ex) {
        ex.sendResponseHeaders(200, -1);
      }
    });
    server.createContext("/", ex -> {
      try (ex) {
        ex.getRequestBody().readAllBytes();
        long n = count.incrementAndGet();
        boolean bad = Math.floor(n * f) > Math.floor((n - 1) * f);
        byte[] body = (v + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("X-Version", v);
        ex.sendResponseHeaders(bad ? 500 : 200, body.length);
        try (OutputStream os = ex.getResponseBody()) {
          os.write(body);
        }
      }
    });
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0), "test-service-stop"));
    System.out.println("test service " + v + " on port " + server.getAddress().getPort());
  }

  /** The command line that runs this service with the current JVM and the test class path. */
  static java.util.List<String> command(String... args) {
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElseThrow());
    cmd.add("-Xshare:auto");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Xmx64m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(SampleService.class.getName());
    cmd.addAll(java.util.List.of(args));
    return cmd;
  }

  /** A free loopback port range start: {@code n} consecutive ports that are free right now. */
  static int freePorts(int n) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(30000);
      boolean ok = true;
      for (int p = base; p < base + n && ok; p++) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          ok = false;
        }
      }
      if (ok) {
        return base;
      }
    }
    throw new IllegalStateException("no " + n + " consecutive free ports found");
  }
}
