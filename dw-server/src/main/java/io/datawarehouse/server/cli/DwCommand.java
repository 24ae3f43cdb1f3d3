package io.datawarehouse.server.cli;

import io.datawarehouse.sdk.DwException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code dw}: the DataWarehouse command. Global options ({@code --data-dir}, {@code --config},
 * {@code --verbose}) are accepted by every subcommand.
 *
 * <p>Exit codes: 0 success, 1 failure, 2 usage error. Errors are one line on stderr; {@code
 * --verbose} adds the stack trace.
 *
 * <p>Plugins add their commands here: write a picocli command class under {@code
 * io.datawarehouse.server.cli.<plugin>} and list it in {@link #SUBCOMMANDS} below.
 */
@Command(
    name = "dw",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "DataWarehouse: a plugin-based data platform.",
      "Plugins talk over a message bus; `dw serve` runs them all."
    },
    footer = {
      "",
      "Configuration: dw.yaml (--config or DW_CONFIG), overridden by DW_<SECTION>_<KEY> environment variables.",
      "Exit codes: 0 ok, 1 failure, 2 usage error."
    })
public final class DwCommand implements Runnable {

  /**
   * The subcommands, in help order. They are added in {@link #commandLine(String)}, not listed in
   * the annotation, so that a run builds the picocli model of only the command it runs (each model
   * is built by reflection over every option of every nested command: CPU time at every start).
   */
  static final List<Class<?>> SUBCOMMANDS = List.of(
      ServeCommand.class,
      HealthCommand.class,
      ConfigCommand.class,
      io.datawarehouse.server.cli.storage.StorageCommand.class,
      VersionCommand.class,
      io.datawarehouse.server.cli.streaming.StreamCommand.class,
      io.datawarehouse.server.cli.streaming.SagaCommand.class,
      io.datawarehouse.server.cli.raid.RaidCommand.class,
      io.datawarehouse.server.cli.tamperproof.WormCommand.class,
      io.datawarehouse.server.cli.intelligence.IntelCommand.class,
      io.datawarehouse.server.cli.deployment.DeployCommand.class,
      io.datawarehouse.server.cli.dataprotection.BackupCommand.class,
      CommandLine.HelpCommand.class);

  @Option(names = "--data-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
      description = "where plugins keep their data (default: dataDir in the config, else ./dw-data)")
  Path dataDir;

  @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "configuration file (default: $DW_CONFIG, else built-in defaults)")
  Path config;

  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "more log output, and stack traces with errors")
  boolean verbose;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** Runs {@code dw} with {@code args} and returns the exit code. */
  public static int run(String[] args) {
    return commandLine(args.length == 0 ? null : args[0]).execute(args);
  }

  /** The configured command line with every subcommand (also used by tests). */
  public static CommandLine commandLine() {
    return commandLine(null);
  }

  /**
   * The configured command line with only the subcommand named {@code first} when there is one
   * (what {@code dw first ...} runs), else with all of them (help, usage errors, suggestions).
   */
  public static CommandLine commandLine(String first) {
    CommandLine cl = new CommandLine(new DwCommand());
    Class<?> only = null;
    for (Class<?> c : SUBCOMMANDS) {
      Command a = c.getAnnotation(Command.class);
      if (first != null && a != null && first.equals(a.name()) && c != CommandLine.HelpCommand.class) {
        only = c;
      }
    }
    for (Class<?> c : SUBCOMMANDS) {
      if (only == null || c == only) {
        cl.addSubcommand(newInstance(c));
      }
    }
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      DwCommand root = (DwCommand) commandLine.getCommandSpec().root().userObject();
      PrintWriter err = commandLine.getErr();
      err.println("dw: " + describe(ex));
      if (root.verbose) {
        ex.printStackTrace(err);
      }
      err.flush();
      return CliSupport.EXIT_FAILURE;
    });
    cl.setParameterExceptionHandler((ex, args) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println("dw: " + ex.getMessage());
      if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
        err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
      }
      err.flush();
      return CliSupport.EXIT_USAGE;
    });
    cl.setUsageHelpAutoWidth(true);
    return cl;
  }

  private static Object newInstance(Class<?> c) {
    try {
      java.lang.reflect.Constructor<?> k = c.getDeclaredConstructor();
      k.setAccessible(true);
      return k.newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create the command " + c.getName() + ": " + e, e);
    }
  }

  private static String describe(Throwable ex) {
    if (ex instanceof DwException dw) {
      return dw.getMessage() + " [" + dw.code().wire() + "]";
    }
    if (ex instanceof CliSupport.CommandFailure f) {
      return f.getMessage();
    }
    String m = ex.getMessage();
    return ex.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
