package io.datawarehouse.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.json.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/**
 * One {@code dw} command run in this JVM, as the CLI tests see it: the exit code and what it
 * printed on stdout and stderr.
 */
public record CliRun(int exit, String out, String err) {

  /**
   * Runs {@code dw args...} through the real command line and captures its output (built as
   * {@code dw} builds it: only the subcommand named by the first argument, when there is one).
   */
  public static CliRun dw(String... args) {
    CommandLine cl = DwCommand.commandLine(args.length == 0 ? null : args[0]);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new CliRun(exit, out.toString(), err.toString());
  }

  /** Runs {@code dw args...}. */
  public static CliRun dw(List<String> args) {
    return dw(args.toArray(String[]::new));
  }

  /** Stdout parsed as JSON. */
  public JsonNode json() {
    return Json.tree(out.getBytes(StandardCharsets.UTF_8), "output");
  }
}
