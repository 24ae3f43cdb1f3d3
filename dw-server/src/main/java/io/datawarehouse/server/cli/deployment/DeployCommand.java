package io.datawarehouse.server.cli.deployment;

import io.datawarehouse.deployment.DeploymentEvent;
import io.datawarehouse.deployment.DeploymentSpec;
import io.datawarehouse.deployment.Orchestrator;
import io.datawarehouse.deployment.Phase;
import io.datawarehouse.deployment.RolloutStatus;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.config.Durations;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code dw deploy}: rollouts run by the orchestrator of a {@code dw serve} on the same data
 * directory. Commands that change something (apply, promote, abort, retry) leave a command file in
 * {@code <dataDir>/deployment/inbox/} and wait for the orchestrator's answer beside it; commands
 * that read (status, history) read the persisted rollouts directly, so they work with or without a
 * server.
 */
@Command(name = "deploy", mixinStandardHelpOptions = true,
    description = {"Rolling, canary and blue-green rollouts.",
        "apply/promote/abort/retry are carried out by the orchestrator of a `dw serve` on the same data directory;",
        "status and history read the rollouts' persisted state."},
    subcommands = {DeployCommand.Apply.class, DeployCommand.Status.class, DeployCommand.Promote.class,
        DeployCommand.Abort.class, DeployCommand.Retry.class, DeployCommand.History.class})
public final class DeployCommand implements Runnable {
  private static final AtomicLong SEQ = new AtomicLong();

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "print results as JSON")
  boolean json;

  @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "15s", scope = ScopeType.INHERIT,
      description = "how long to wait for the orchestrator to take a command (default ${DEFAULT-VALUE})")
  String wait;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The orchestrator's directory: {@code <dataDir>/deployment}. */
  static Path dir(CliSupport cli) {
    Kernel k = cli.kernelBuilder().build();
    try {
      return k.dataDir().resolve("deployment");
    } finally {
      k.stop();
    }
  }

  /** Leaves a command in the inbox and waits for its answer. */
  static RolloutStatus send(CommandSpec spec, Orchestrator.InboxCommand command) throws Exception {
    CliSupport cli = CliSupport.of(spec);
    DeployCommand parent = (DeployCommand) spec.parent().userObject();
    Path inbox = dir(cli).resolve("inbox");
    Files.createDirectories(inbox);
    String name = String.format("%013d-%d-%06d-%s", System.currentTimeMillis(), ProcessHandle.current().pid(),
        SEQ.incrementAndGet(), command.command());
    Path file = inbox.resolve(name + ".json");
    Path done = inbox.resolve(name + ".done");
    AtomicFiles.write(file, Json.toBytes(command));
    long deadline = System.nanoTime() + Durations.parse(parent.wait).toNanos();
    while (!Files.exists(done)) {
      if (System.nanoTime() > deadline) {
        throw new CliSupport.CommandFailure("no orchestrator took the " + command.command() + " command within "
            + parent.wait + ": is `dw serve` running on this data directory with deployment.orchestrator.enabled?"
            + " The command stays queued in " + file);
      }
      Thread.sleep(50);
    }
    Orchestrator.InboxResult r = Json.fromBytes(Files.readAllBytes(done), Orchestrator.InboxResult.class, done.toString());
    Files.deleteIfExists(done);
    if (!r.ok()) {
      throw new CliSupport.CommandFailure(command.command() + " failed: " + r.error());
    }
    return r.rollout();
  }

  static RolloutStatus find(Path dir, String id) {
    return Orchestrator.readStatuses(dir).stream().filter(s -> s.id().equals(id)).findFirst()
        .orElseThrow(() -> new CliSupport.CommandFailure("no rollout '" + id + "' in " + dir));
  }

  static void print(CliSupport cli, boolean json, RolloutStatus s) {
    if (json) {
      cli.printJson(s);
      return;
    }
    var out = cli.out();
    out.println("rollout  " + s.id() + "  " + s.service() + " " + (s.previousVersion() == null ? "" : s.previousVersion()
        + " -> ") + s.version() + " (" + s.strategy() + ")");
    out.println("phase    " + s.phase() + (s.phase().terminal() ? "" : " at stage " + (s.stageIndex() + 1) + "/"
        + s.stages().size() + (s.stageIndex() < s.stages().size() ? ": " + s.stages().get(s.stageIndex()) : "")));
    out.println("message  " + s.message());
    out.println("audit    " + s.audit());
    out.println("instances " + s.instances());
    for (DeploymentEvent e : s.history()) {
      out.println("  " + e.at() + "  " + e.type() + "  " + e.message());
    }
    out.flush();
  }

  abstract static class IdCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "the rollout id")
    String id;

    @Spec CommandSpec spec;

    abstract String command();

    @Override
    public Integer call() throws Exception {
      RolloutStatus s = send(spec, new Orchestrator.InboxCommand(command(), id, null));
      print(CliSupport.of(spec), ((DeployCommand) spec.parent().userObject()).json, s);
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw deploy apply SPEC.yaml [--follow]}. */
  @Command(name = "apply", mixinStandardHelpOptions = true,
      description = {"Start a rollout of the spec in SPEC.yaml (format: plugins/deployment/README.md).",
          "Prints the new rollout; with --follow, waits for it to succeed, roll back or pause.",
          "Exit code 0 when accepted (with --follow: when it SUCCEEDED)."})
  public static final class Apply implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC.yaml", description = "the deployment spec")
    Path file;

    @Option(names = "--follow", description = "print transitions until the rollout ends or pauses")
    boolean follow;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      CliSupport cli = CliSupport.of(spec);
      DeployCommand parent = (DeployCommand) spec.parent().userObject();
      String yaml;
      try {
        yaml = Files.readString(file);
      } catch (IOException e) {
        throw new CliSupport.CommandFailure("cannot read " + file + ": " + e.getMessage());
      }
      DeploymentSpec.parse(yaml, file.toString()); // refuse a bad spec here, with the field named
      RolloutStatus s = send(spec, new Orchestrator.InboxCommand("apply", null, yaml));
      if (!follow) {
        print(cli, parent.json, s);
        return CliSupport.EXIT_OK;
      }
      int shown = 0;
      Path dir = dir(cli);
      while (true) {
        s = find(dir, s.id());
        if (!parent.json) {
          for (; shown < s.history().size(); shown++) {
            DeploymentEvent e = s.history().get(shown);
            cli.out().println(e.at() + "  " + s.id() + "  " + e.type() + "  " + e.message());
          }
          cli.out().flush();
        }
        if (s.phase().terminal() || s.phase() == Phase.PAUSED) {
          break;
        }
        Thread.sleep(200);
      }
      if (parent.json) {
        cli.printJson(s);
      } else {
        cli.out().println(s.id() + " " + s.phase());
        cli.out().flush();
      }
      return s.phase() == Phase.SUCCEEDED ? CliSupport.EXIT_OK : CliSupport.EXIT_FAILURE;
    }
  }

  /** {@code dw deploy status [ID]}. */
  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"A rollout's phase, stage, instances and transitions; without ID, the unfinished rollouts."})
  public static final class Status implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "the rollout id")
    String id;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      boolean json = ((DeployCommand) spec.parent().userObject()).json;
      if (id != null) {
        print(cli, json, find(dir(cli), id));
        return CliSupport.EXIT_OK;
      }
      List<RolloutStatus> open = Orchestrator.readStatuses(dir(cli)).stream().filter(s -> !s.phase().terminal()).toList();
      if (json) {
        cli.printJson(open);
      } else if (open.isEmpty()) {
        cli.out().println("no unfinished rollouts");
        cli.out().flush();
      } else {
        table(cli, open);
      }
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw deploy history}. */
  @Command(name = "history", mixinStandardHelpOptions = true, description = {"Every rollout, oldest first."})
  public static final class History implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      List<RolloutStatus> all = Orchestrator.readStatuses(dir(cli));
      if (((DeployCommand) spec.parent().userObject()).json) {
        cli.printJson(all);
      } else if (all.isEmpty()) {
        cli.out().println("no rollouts");
        cli.out().flush();
      } else {
        table(cli, all);
      }
      return CliSupport.EXIT_OK;
    }
  }

  static void table(CliSupport cli, List<RolloutStatus> list) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("ROLLOUT", "SERVICE", "STRATEGY", "FROM", "TO", "PHASE", "CREATED", "UPDATED"));
    for (RolloutStatus s : list) {
      rows.add(List.of(s.id(), s.service(), s.strategy(), s.previousVersion() == null ? "-" : s.previousVersion(),
          s.version(), s.phase().name(), String.valueOf(s.createdAt()), String.valueOf(s.updatedAt())));
    }
    cli.printTable(rows);
  }

  /** {@code dw deploy promote ID}. */
  @Command(name = "promote", mixinStandardHelpOptions = true,
      description = {"Skip the current pause or analysis of a rollout (a PAUSED rollout continues)."})
  public static final class Promote extends IdCommand {
    @Override
    String command() {
      return "promote";
    }
  }

  /** {@code dw deploy abort ID}. */
  @Command(name = "abort", mixinStandardHelpOptions = true, description = {"Roll back an unfinished rollout."})
  public static final class Abort extends IdCommand {
    @Override
    String command() {
      return "abort";
    }
  }

  /** {@code dw deploy retry ID}. */
  @Command(name = "retry", mixinStandardHelpOptions = true,
      description = {"Run a ROLLED_BACK or FAILED rollout again from its first stage."})
  public static final class Retry extends IdCommand {
    @Override
    String command() {
      return "retry";
    }
  }
}
