package io.datawarehouse.server.cli;

import io.datawarehouse.kernel.Kernel;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dw version}. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the version, the Java runtime and the installed plugins.")
public final class VersionCommand implements Callable<Integer> {
  @Option(names = "--json", description = "print JSON")
  boolean json;

  @Spec CommandSpec spec;

  /** The version of this build. */
  public static String version() {
    try (InputStream in = VersionCommand.class.getResourceAsStream("/io/datawarehouse/server/version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Override
  public Integer call() {
    CliSupport cli = CliSupport.of(spec);
    Kernel k = cli.kernelBuilder().build();
    var plugins = k.pluginIds();
    k.stop();
    Map<String, Object> info = CliSupport.ordered();
    info.put("version", version());
    info.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
    info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    info.put("plugins", plugins);
    if (json) {
      cli.printJson(info);
    } else {
      cli.out().println("dw " + info.get("version"));
      cli.out().println("java " + info.get("java"));
      cli.out().println("os " + info.get("os"));
      cli.out().println("plugins " + (plugins.isEmpty() ? "(none)" : String.join(", ", plugins)));
      cli.out().flush();
    }
    return CliSupport.EXIT_OK;
  }

  /** For {@code dw --version}. */
  public static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"dw " + version(), "java " + System.getProperty("java.version")};
    }
  }
}
