package io.datawarehouse.server.cli.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.server.cli.CliSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/** What the stream and saga commands share: reading YAML/JSON files, asking the plugin over the bus. */
final class StreamingCli {
  private StreamingCli() {}

  /** A YAML (or JSON) file as a tree; a usage-level failure naming the file when it cannot be read. */
  static JsonNode readTree(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new CliSupport.CommandFailure("no such file: " + file);
    }
    try {
      JsonNode n = new YAMLMapper().readTree(file.toFile());
      if (n == null || !n.isObject()) {
        throw new CliSupport.CommandFailure(file + " does not hold a mapping");
      }
      return n;
    } catch (IOException e) {
      throw new CliSupport.CommandFailure(file + " is not valid YAML: " + e.getMessage());
    }
  }

  /** The streaming plugin running here (with the other installed plugins when {@code all}). */
  static Kernel kernel(CliSupport cli, boolean all) {
    if (all) {
      Kernel k = cli.kernelBuilder().build();
      k.start();
      if (k.pluginState("streaming") != Kernel.PluginState.RUNNING) {
        String why = k.pluginIds().contains("streaming")
            ? String.valueOf(k.health().components().get("streaming").message()) : "it is not installed";
        k.stop();
        throw new CliSupport.CommandFailure("the streaming plugin did not start: " + why);
      }
      return k;
    }
    return cli.startKernel(Set.of("streaming"));
  }

  /** A request to the plugin; its JSON reply. */
  static JsonNode ask(Kernel k, String topic, Object body) {
    return k.bus().requestSync(Message.json(topic, body), Duration.ofSeconds(60)).jsonTree();
  }
}
