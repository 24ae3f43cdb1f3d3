package io.datawarehouse.server.cli.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliSupport;
import io.datawarehouse.streaming.StreamingPlugin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dw saga}: start a saga from a definition file, show a saga. */
@Command(name = "saga", mixinStandardHelpOptions = true,
    description = "Start sagas and show their timelines.",
    subcommands = {SagaCommand.Start.class, SagaCommand.Status.class})
public final class SagaCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code dw saga start DEF.yaml --input JSON}. */
  @Command(name = "start", mixinStandardHelpOptions = true,
      description = {"Start the saga defined in DEF.yaml with INPUT, and wait for it to end.",
          "Participants answer on pipeline.step.<step> over the configured bus.",
          "Exit code 0 when it completed, 1 when it was compensated, parked or is still running."})
  public static final class Start implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DEF.yaml", description = "the saga definition (see the streaming README)")
    Path file;

    @Option(names = "--input", paramLabel = "JSON", defaultValue = "{}", description = "the saga's input (default {})")
    String input;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "60s",
        description = "how long to wait for the end (default ${DEFAULT-VALUE}); 0 to return at once")
    String wait;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      CliSupport cli = CliSupport.of(spec);
      JsonNode def = StreamingCli.readTree(file);
      StreamingPlugin.parseSaga(def, file.toString());
      JsonNode in = Json.tree(input.getBytes(StandardCharsets.UTF_8), "--input");
      Duration w = io.datawarehouse.sdk.config.Durations.parse(wait);
      try (Kernel k = StreamingCli.kernel(cli, true)) {
        java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        String[] started = new String[1];
        var sub = k.bus().subscribe(StreamingPlugin.EVENTS, io.datawarehouse.sdk.bus.MessageHandler.listener(m -> {
          JsonNode e = m.jsonTree();
          if (e.path("type").asText().startsWith("saga.") && e.path("sagaId").asText().equals(started[0])) {
            ended.countDown();
          }
        }));
        String id = StreamingCli.ask(k, StreamingPlugin.SAGA_START, Map.of("definition", def, "input", in))
            .get("sagaId").asText();
        started[0] = id;
        cli.out().println("saga " + id + " started");
        cli.out().flush();
        JsonNode s = StreamingCli.ask(k, StreamingPlugin.SAGA_STATUS, Map.of("sagaId", id));
        if (running(s)) {
          ended.await(w.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
          s = StreamingCli.ask(k, StreamingPlugin.SAGA_STATUS, Map.of("sagaId", id));
        }
        sub.unsubscribe();
        print(cli, s);
        return s.path("state").asText().equals("COMPLETED") ? CliSupport.EXIT_OK : CliSupport.EXIT_FAILURE;
      }
    }
  }

  /** {@code dw saga status ID}. */
  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Show a saga's state, steps and timeline (all sagas without ID)."})
  public static final class Status implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "the saga's id")
    String id;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      try (Kernel k = StreamingCli.kernel(cli, false)) {
        JsonNode s = StreamingCli.ask(k, StreamingPlugin.SAGA_STATUS, id == null ? Map.of() : Map.of("sagaId", id));
        if (json) {
          cli.printJson(s);
        } else if (id == null) {
          List<List<String>> rows = new ArrayList<>();
          rows.add(List.of("SAGA", "NAME", "STATE"));
          s.path("sagas").forEach(x -> rows.add(List.of(x.path("sagaId").asText(), x.path("name").asText(),
              x.path("state").asText())));
          if (rows.size() == 1) {
            cli.out().println("no sagas");
            cli.out().flush();
          } else {
            cli.printTable(rows);
          }
        } else {
          print(cli, s);
        }
        return CliSupport.EXIT_OK;
      }
    }
  }

  private static boolean running(JsonNode s) {
    String st = s.path("state").asText();
    return st.equals("RUNNING") || st.equals("COMPENSATING");
  }

  static void print(CliSupport cli, JsonNode s) {
    cli.out().println("saga " + s.path("id").asText() + " (" + s.path("name").asText() + "): " + s.path("state").asText()
        + (s.hasNonNull("error") ? " - " + s.path("error").asText() : "")
        + (s.hasNonNull("parkedStep") ? " - parked at " + s.path("parkedStep").asText()
            + " (resume over streaming.saga.resume with RETRY or SKIP)" : ""));
    List<List<String>> steps = new ArrayList<>();
    steps.add(List.of("STEP", "STATE"));
    s.path("steps").properties().forEach(e -> steps.add(List.of(e.getKey(), e.getValue().asText())));
    cli.printTable(steps);
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("AT", "EVENT", "STEP", "PHASE", "ATTEMPT", "ERROR"));
    for (JsonNode e : s.path("timeline")) {
      rows.add(List.of(e.path("at").asText(), e.path("type").asText(), e.path("step").asText(""),
          e.path("phase").asText(""), e.path("attempt").asInt() == 0 ? "" : e.path("attempt").asText(),
          e.hasNonNull("error") ? e.path("errorCode").asText() + ": " + e.path("error").asText() : ""));
    }
    cli.printTable(rows);
  }
}
