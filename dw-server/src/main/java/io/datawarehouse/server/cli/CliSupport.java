package io.datawarehouse.server.cli;

import ch.qos.logback.classic.Level;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What every command needs: the global options, a kernel built from them, output helpers and the
 * exit codes. Get one with {@link #of(CommandSpec)} from a command's {@code @Spec}.
 */
public final class CliSupport {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;

  private final CommandSpec spec;
  private final DwCommand root;

  private CliSupport(CommandSpec spec) {
    this.spec = spec;
    this.root = (DwCommand) spec.root().userObject();
  }

  public static CliSupport of(CommandSpec spec) {
    return new CliSupport(spec);
  }

  /** A failure to report as one line and exit code 1 (for conditions that are not exceptions of the platform). */
  public static final class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommandFailure(String message) {
      super(message);
    }
  }

  public PrintWriter out() {
    return spec.commandLine().getOut();
  }

  public PrintWriter err() {
    return spec.commandLine().getErr();
  }

  public boolean verbose() {
    return root.verbose;
  }

  /** --config, else $DW_CONFIG, else null. */
  public Path configFile() {
    if (root.config != null) {
      return root.config;
    }
    String env = System.getenv("DW_CONFIG");
    return env == null || env.isBlank() ? null : Path.of(env);
  }

  /** --data-dir, or null. */
  public Path dataDirOption() {
    return root.dataDir;
  }

  /** Sets the log level: DEBUG with --verbose, else {@code normal}; DW_LOG_LEVEL wins over both. */
  public void logLevel(Level normal) {
    String env = System.getenv("DW_LOG_LEVEL");
    Level level = env != null && !env.isBlank() ? Level.toLevel(env, normal) : root.verbose ? Level.DEBUG : normal;
    if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger l) {
      l.setLevel(level);
    }
  }

  /** A kernel builder with the global options applied and every installed plugin. */
  public Kernel.Builder kernelBuilder() {
    Kernel.Builder b = Kernel.builder().configFile(configFile()).env(System.getenv()).section("server", ServerConfig.def());
    if (root.dataDir != null) {
      b.dataDir(root.dataDir);
    }
    return b;
  }

  /**
   * Builds and starts a kernel that runs only {@code plugins} (the others are disabled for this
   * command), for commands that work on the local data directory without a server. The caller
   * closes it.
   */
  public Kernel startKernel(Set<String> plugins) {
    Kernel probe = kernelBuilder().build();
    Kernel.Builder b = kernelBuilder();
    for (String id : probe.pluginIds()) {
      if (!plugins.contains(id)) {
        b.override(id + ".enabled", "false");
      }
    }
    probe.stop();
    for (String id : plugins) {
      if (!probe.pluginIds().contains(id)) {
        throw new CommandFailure("the " + id + " plugin is not installed in this distribution");
      }
    }
    Kernel k = b.build();
    k.start();
    for (String id : plugins) {
      if (k.pluginState(id) != Kernel.PluginState.RUNNING) {
        String why = String.valueOf(k.health().components().get(id).message());
        k.stop();
        throw new CommandFailure("the " + id + " plugin did not start: " + why);
      }
    }
    return k;
  }

  /** Prints {@code value} as indented JSON on stdout. */
  public void printJson(Object value) {
    out().println(Json.toPrettyString(value));
    out().flush();
  }

  /** Prints a table of rows (first row: headers), columns padded to their widest cell. */
  public void printTable(java.util.List<java.util.List<String>> rows) {
    if (rows.isEmpty()) {
      return;
    }
    int cols = rows.get(0).size();
    int[] w = new int[cols];
    for (var r : rows) {
      for (int i = 0; i < cols; i++) {
        w[i] = Math.max(w[i], String.valueOf(r.get(i)).length());
      }
    }
    for (var r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        String cell = String.valueOf(r.get(i));
        sb.append(cell);
        if (i < cols - 1) {
          sb.append(" ".repeat(w[i] - cell.length() + 2));
        }
      }
      out().println(sb.toString().stripTrailing());
    }
    out().flush();
  }

  /** Map with entries in insertion order, for JSON output. */
  public static Map<String, Object> ordered() {
    return new java.util.LinkedHashMap<>();
  }
}
