package io.datawarehouse.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DwCommandTest {
  @TempDir Path tmp;

  static CliRun dw(String... args) {
    return CliRun.dw(args);
  }

  @Test
  void help_listsEveryCommand() {
    CliRun r = dw("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("serve", "health", "config", "version", "--data-dir", "--config");
  }

  /** {@code --help} works on every command and subcommand (an option named like a standard one once broke it). */
  @Test
  void everyCommand_printsItsHelp_withExit0() {
    java.util.List<java.util.List<String>> paths = new java.util.ArrayList<>();
    for (String top : DwCommand.commandLine(null).getSubcommands().keySet()) {
      if (top.equals("help")) {
        continue; // picocli's own help command
      }
      collect(DwCommand.commandLine(top).getSubcommands().get(top), java.util.List.of(top), paths);
    }
    assertThat(paths.size()).isGreaterThan(30);
    for (java.util.List<String> path : paths) {
      java.util.List<String> args = new java.util.ArrayList<>(path);
      args.add("--help");
      CliRun r = CliRun.dw(args);
      assertThat(r.exit()).as("dw %s --help: %s", String.join(" ", path), r.err()).isZero();
      assertThat(r.out()).as("dw %s --help", String.join(" ", path)).startsWith("Usage: dw " + String.join(" ", path));
    }
    // a parent's command list shows the first description line alone: it must be a whole sentence
    for (java.util.List<String> path : paths) {
      picocli.CommandLine cl = DwCommand.commandLine(path.get(0));
      for (String name : path) {
        cl = cl.getSubcommands().get(name);
      }
      String[] description = cl.getCommandSpec().usageMessage().description();
      assertThat(description).as("dw %s: description", String.join(" ", path)).isNotEmpty();
      assertThat(description[0].strip()).as("dw %s: first description line", String.join(" ", path)).endsWith(".");
    }
  }

  private static void collect(picocli.CommandLine cl, java.util.List<String> path, java.util.List<java.util.List<String>> out) {
    if (cl == null) {
      return;
    }
    out.add(path);
    for (var e : cl.getSubcommands().entrySet()) {
      if (e.getValue().getCommandSpec().name().equals(e.getKey())) { // not an alias
        java.util.List<String> p = new java.util.ArrayList<>(path);
        p.add(e.getKey());
        collect(e.getValue(), p, out);
      }
    }
  }

  @Test
  void noCommand_orUnknownCommand_isUsageErrorExit2() {
    assertThat(dw().exit()).isEqualTo(2);
    CliRun r = dw("frobnicate");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("frobnicate");
  }

  @Test
  void badOption_isUsageErrorExit2() {
    CliRun r = dw("serve", "--port", "notanumber");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--port");
  }

  @Test
  void configShow_printsEffectiveConfigWithSecretsMasked() throws Exception {
    Path f = tmp.resolve("dw.yaml");
    Files.writeString(f, "ping:\n  reply: hi\n  apiToken: tok-12345\nbus:\n  queueCapacity: 99\n");
    CliRun r = dw("config", "show", "--json", "--config", f.toString(), "--data-dir", tmp.resolve("d").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode j = Json.tree(r.out().getBytes(StandardCharsets.UTF_8), "output");
    assertThat(j.at("/ping/reply").asText()).isEqualTo("hi");
    assertThat(j.at("/ping/apiToken").asText()).isEqualTo("****");
    assertThat(j.at("/bus/queueCapacity").asInt()).isEqualTo(99);
    assertThat(j.at("/dataDir").asText()).isEqualTo(tmp.resolve("d").toString());
    assertThat(r.out()).doesNotContain("tok-12345");
    CliRun yaml = dw("config", "show", "--origins", "--config", f.toString());
    assertThat(yaml.out()).contains("reply: hi").contains("ping.reply: file").doesNotContain("tok-12345");
  }

  @Test
  void configShow_badKey_isOneClearLineExit1() throws Exception {
    Path f = tmp.resolve("dw.yaml");
    Files.writeString(f, "ping:\n  replly: hi\n");
    CliRun r = dw("config", "show", "--config", f.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("unknown key 'ping.replly'").contains("did you mean 'ping.reply'").contains("INVALID_ARGUMENT");
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void configKeys_listsKeysWithTypesDefaultsAndEnvironmentNames() {
    CliRun r = dw("config", "keys");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("bus.queueCapacity", "DW_BUS_QUEUE_CAPACITY", "8192", "server.port", "ping.reply", "ping.enabled");
  }

  @Test
  void version_json_namesVersionAndPlugins() {
    CliRun r = dw("version", "--json");
    assertThat(r.exit()).isZero();
    JsonNode j = Json.tree(r.out().getBytes(StandardCharsets.UTF_8), "output");
    assertThat(j.get("version").asText()).isNotBlank();
    assertThat(j.get("plugins").toString()).contains("ping");
  }

  @Test
  void health_embedded_reportsEachPlugin() {
    CliRun r = dw("health", "--embedded", "--data-dir", tmp.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("status: UP").contains("ping").contains("ready to pong");
  }

  @Test
  void health_urlWithNoServer_failsWithOneLine() {
    CliRun r = dw("health", "--url", "http://127.0.0.1:1");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no dw server answers at http://127.0.0.1:1");
  }

  @Test
  void commandLine_ofOneSubcommand_buildsOnlyThatOne_elseAll() {
    assertThat(DwCommand.commandLine("backup").getSubcommands().keySet()).containsExactly("backup");
    assertThat(DwCommand.commandLine("version").getSubcommands().keySet()).containsExactly("version");
    int all = DwCommand.SUBCOMMANDS.size();
    assertThat(DwCommand.commandLine(null).getSubcommands()).hasSize(all);
    assertThat(DwCommand.commandLine("help").getSubcommands()).hasSize(all);
    assertThat(DwCommand.commandLine("--verbose").getSubcommands()).hasSize(all);
    assertThat(DwCommand.commandLine("no-such-command").getSubcommands()).hasSize(all);
  }

  @Test
  void globalOptions_afterTheSubcommand_stillWork_whenOnlyItIsBuilt() {
    CliRun r = CliRun.dw("version", "--verbose");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("dw ");
  }
}
