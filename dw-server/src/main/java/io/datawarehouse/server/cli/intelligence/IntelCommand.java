package io.datawarehouse.server.cli.intelligence;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code dw intel}: the intelligence plugin's commands. Each subcommand group is its own class in
 * this package and is listed in {@code subcommands} below.
 */
@Command(name = "intel", mixinStandardHelpOptions = true,
    description = "The intelligence plugin: the AI memory store and schema extraction.",
    subcommands = {IntelMemoryCommand.class, IntelSchemaCommand.class})
public final class IntelCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
