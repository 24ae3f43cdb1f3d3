package io.datawarehouse.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.kernel.config.ConfigLoader;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Durations;
import io.datawarehouse.sdk.config.Secret;
import io.datawarehouse.sdk.config.Secrets;
import io.datawarehouse.sdk.config.Sizes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dw config}: show the effective configuration or every key there is. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Show the effective configuration, or list every configuration key.",
    subcommands = {ConfigCommand.Show.class, ConfigCommand.Keys.class})
public final class ConfigCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "choose a subcommand: show or keys");
  }

  /** {@code dw config show}. */
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = {"Print the effective configuration, secrets masked, as YAML (or --json).",
          "Precedence: defaults < file < DW_* environment < options."})
  public static final class Show implements Callable<Integer> {
    @Option(names = "--json", description = "print JSON instead of YAML")
    boolean json;

    @Option(names = "--origins", description = "also list where each explicitly set key came from")
    boolean origins;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      CliSupport cli = CliSupport.of(spec);
      Kernel k = cli.kernelBuilder().build();
      try {
        var masked = k.config().toMaskedJson();
        if (json) {
          cli.printJson(masked);
        } else {
          ObjectMapper yaml = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
          cli.out().print(yaml.writeValueAsString(masked));
        }
        if (origins) {
          cli.out().println(json ? "" : "# where explicitly set keys came from:");
          for (Map.Entry<String, String> e : k.configOrigins().entrySet()) {
            cli.out().println((json ? "" : "# ") + e.getKey() + ": " + e.getValue());
          }
        }
        cli.out().flush();
        return CliSupport.EXIT_OK;
      } finally {
        k.stop();
      }
    }
  }

  /** {@code dw config keys}. */
  @Command(name = "keys", mixinStandardHelpOptions = true,
      description = "List every configuration key: type, default, environment variable and meaning.")
  public static final class Keys implements Callable<Integer> {
    @Option(names = "--section", paramLabel = "NAME", description = "only this section (e.g. bus, storage)")
    String section;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      Kernel k = cli.kernelBuilder().build();
      try {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("KEY", "TYPE", "DEFAULT", "ENVIRONMENT", "MEANING"));
        walk("", k.config().definition(), rows);
        if (section != null) {
          rows.removeIf(r -> !r.get(0).equals("KEY") && !r.get(0).equals(section) && !r.get(0).startsWith(section + "."));
        }
        cli.printTable(rows);
        return CliSupport.EXIT_OK;
      } finally {
        k.stop();
      }
    }

    private static void walk(String prefix, ConfigDef def, List<List<String>> rows) {
      for (ConfigDef.Key key : def.keys().values()) {
        String path = prefix.isEmpty() ? key.name() : prefix + "." + key.name();
        switch (key.type()) {
          case SECTION -> walk(path, key.child(), rows);
          case MAP -> walk(path + ".<name>", key.child(), rows);
          default -> rows.add(List.of(path, key.type().name().toLowerCase(java.util.Locale.ROOT), show(path, key),
              key.type() == ConfigDef.Type.JSON ? "-" : ConfigLoader.envName(path.replace(".<name>", ".NAME")),
              key.doc() == null ? "" : key.doc()));
        }
      }
    }

    private static String show(String path, ConfigDef.Key key) {
      Object d = key.defaultValue();
      if (key.required()) {
        return "(required)";
      }
      if (d == null) {
        return "-";
      }
      if (d instanceof Secret) {
        return Secret.MASK;
      }
      if (d instanceof Duration dur) {
        return Durations.format(dur).replace(" ", "");
      }
      if (key.type() == ConfigDef.Type.SIZE) {
        return Sizes.format((Long) d).replace(" ", "");
      }
      return Secrets.maskValue(path, String.valueOf(d));
    }
  }
}
