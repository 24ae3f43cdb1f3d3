package io.datawarehouse.server.cli.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliSupport;
import io.datawarehouse.streaming.StreamingPlugin;
import io.datawarehouse.streaming.spec.PipelineSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dw stream}: run a pipeline file, show pipelines. */
@Command(name = "stream", mixinStandardHelpOptions = true,
    description = "Run stream pipelines and show their state.",
    subcommands = {StreamCommand.Run.class, StreamCommand.Status.class})
public final class StreamCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code dw stream run PIPELINE.yaml}. */
  @Command(name = "run", mixinStandardHelpOptions = true,
      description = {"Run the pipeline in PIPELINE.yaml here until Ctrl-C, printing its rates.",
          "The installed plugins run too (lookups and sinks go to them over the bus).",
          "State (checkpoints, dead letters) lives under the data directory: a second run resumes.",
          "Exit code 0 when the pipeline finished or was stopped, 1 when it failed."})
  public static final class Run implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PIPELINE.yaml", description = "the pipeline spec (see the streaming README)")
    Path file;

    @Option(names = "--name", description = "the pipeline's name (default: the file name without extension)")
    String name;

    @Option(names = "--every", defaultValue = "1s", description = "how often to print rates (default ${DEFAULT-VALUE})")
    String every;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      CliSupport cli = CliSupport.of(spec);
      JsonNode tree = StreamingCli.readTree(file);
      PipelineSpec.parse(tree, file.toString()); // fail early with the file's name
      String n = name != null ? name : defaultName(file);
      Duration interval = io.datawarehouse.sdk.config.Durations.parse(every);
      CountDownLatch interrupted = new CountDownLatch(1);
      try (Kernel k = StreamingCli.kernel(cli, true)) {
        StreamingCli.ask(k, StreamingPlugin.PIPELINE_START, Map.of("name", n, "spec", tree));
        Thread hook = new Thread(interrupted::countDown, "dw-stream-run-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        cli.out().println("pipeline '" + n + "' running; Ctrl-C stops it after a final checkpoint");
        JsonNode m;
        while (true) {
          boolean stop = interrupted.await(interval.toMillis(), TimeUnit.MILLISECONDS);
          m = StreamingCli.ask(k, StreamingPlugin.PIPELINE_STATUS, Map.of("name", n));
          cli.out().println(rates(m));
          cli.out().flush();
          String state = m.path("state").asText();
          if (stop || !state.equals("RUNNING") && !state.equals("STARTING")) {
            break;
          }
        }
        if (m.path("state").asText().equals("RUNNING")) {
          m = StreamingCli.ask(k, StreamingPlugin.PIPELINE_STOP, Map.of("name", n));
        }
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the JVM is exiting: the hook has run
        }
        cli.out().println("pipeline '" + n + "' " + m.path("state").asText().toLowerCase(Locale.ROOT) + ": "
            + m.path("recordsIn").asLong() + " records in, " + m.path("recordsOut").asLong() + " out, "
            + m.path("drops").size() + " drop reason(s) " + m.path("drops"));
        return m.path("state").asText().equals("FAILED") ? CliSupport.EXIT_FAILURE : CliSupport.EXIT_OK;
      }
    }

    static String defaultName(Path file) {
      String f = file.getFileName().toString().toLowerCase(Locale.ROOT);
      int dot = f.indexOf('.');
      String base = (dot > 0 ? f.substring(0, dot) : f).replaceAll("[^a-z0-9-]", "-");
      return base.isEmpty() || !Character.isLetter(base.charAt(0)) ? "p-" + base : base;
    }
  }

  /** One line of rates. */
  static String rates(JsonNode m) {
    return String.format(Locale.ROOT, "%-10s in %,d (%.0f/s)  out %,d (%.0f/s)  watermark lag %s  dropped %d"
            + "  enrich %d/%d  backpressure %dms",
        m.path("state").asText(), m.path("recordsIn").asLong(), m.path("inPerSecond").asDouble(),
        m.path("recordsOut").asLong(), m.path("outPerSecond").asDouble(),
        m.path("watermarkLagMillis").asLong() < 0 ? "-" : m.path("watermarkLagMillis").asLong() + "ms",
        dropped(m), m.path("enrichmentsInFlight").asInt(), m.path("enrichmentCapacity").asInt(),
        m.path("backpressureMillis").asLong());
  }

  private static long dropped(JsonNode m) {
    long n = 0;
    for (JsonNode v : m.path("drops")) {
      n += v.asLong();
    }
    return n;
  }

  /** {@code dw stream status}. */
  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Show the streaming plugin's pipelines and their counters.",
          "The pipelines are the ones declared in the configuration (streaming.pipelines); the plugin runs here",
          "over the configured bus."})
  public static final class Status implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "one pipeline")
    String name;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      try (Kernel k = StreamingCli.kernel(cli, false)) {
        JsonNode r = StreamingCli.ask(k, StreamingPlugin.PIPELINE_STATUS, name == null ? Map.of() : Map.of("name", name));
        if (json) {
          cli.printJson(r);
          return CliSupport.EXIT_OK;
        }
        List<JsonNode> all = new ArrayList<>();
        if (name != null) {
          all.add(r);
        } else {
          r.path("pipelines").forEach(all::add);
        }
        if (all.isEmpty()) {
          cli.out().println("no pipelines declared (streaming.pipelines) or running");
          cli.out().flush();
          return CliSupport.EXIT_OK;
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("PIPELINE", "STATE", "IN", "OUT", "WATERMARK", "DROPPED", "CHECKPOINTS"));
        for (JsonNode m : all) {
          long wm = m.path("watermark").asLong();
          rows.add(List.of(m.path("pipeline").asText(), m.path("state").asText(), m.path("recordsIn").asText(),
              m.path("recordsOut").asText(), wm == Long.MIN_VALUE ? "-" : wm == Long.MAX_VALUE ? "end"
                  : java.time.Instant.ofEpochMilli(wm).toString(), Long.toString(dropped(m)),
              m.path("checkpoints").asText()));
        }
        cli.printTable(rows);
        return CliSupport.EXIT_OK;
      }
    }
  }

  static JsonNode tree(Object o) {
    return Json.mapper().valueToTree(o);
  }
}
