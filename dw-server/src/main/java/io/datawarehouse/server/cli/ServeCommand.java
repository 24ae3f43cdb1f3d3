package io.datawarehouse.server.cli;

import ch.qos.logback.classic.Level;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.server.http.HttpApi;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dw serve}: runs the kernel with every installed plugin and the HTTP API until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Run every installed plugin and the HTTP API until Ctrl-C or SIGTERM.",
        "Endpoints: GET /health/live, /health/ready, /api/health, /metrics."})
public final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Option(names = "--host", paramLabel = "H", description = "address to listen on (default: server.host, 127.0.0.1)")
  String host;

  @Option(names = "--port", paramLabel = "N", description = "port to listen on; 0 picks a free port and prints it (default: server.port, 8080)")
  Integer port;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    CliSupport cli = CliSupport.of(spec);
    cli.logLevel(Level.INFO);
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(prometheus);
    new JvmGcMetrics().bindTo(prometheus);
    new JvmThreadMetrics().bindTo(prometheus);
    new ClassLoaderMetrics().bindTo(prometheus);
    new ProcessorMetrics().bindTo(prometheus);
    new UptimeMetrics().bindTo(prometheus);
    Kernel kernel = cli.kernelBuilder().metrics(prometheus).build();
    Config server = kernel.config().getSection("server");
    String h = host != null ? host : server.getString("host");
    int p = port != null ? port : server.getInt("port");
    CountDownLatch stopped = new CountDownLatch(1);
    HttpApi api;
    try {
      kernel.start();
      api = new HttpApi(kernel, prometheus, h, p).start();
    } catch (RuntimeException e) {
      kernel.stop();
      throw e;
    }
    HttpApi started = api;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("shutting down");
      started.close();
      kernel.stop();
      stopped.countDown();
    }, "dw-shutdown"));
    cli.out().println("dw serve: listening on http://" + started.host() + ":" + started.port()
        + " (data in " + kernel.dataDir() + ", health " + kernel.health().status() + ")");
    cli.out().flush();
    stopped.await();
    return CliSupport.EXIT_OK;
  }
}
