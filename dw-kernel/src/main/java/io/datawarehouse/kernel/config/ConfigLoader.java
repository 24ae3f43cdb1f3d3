package io.datawarehouse.kernel.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Loads the configuration: embedded defaults, then {@code dw.yaml}, then environment variables,
 * then explicit overrides (command-line options), each layer winning over the one before.
 *
 * <p>Environment variables: {@code DW_<SECTION>_<KEY>} with the key's camelCase written as words
 * ({@code DW_INTELLIGENCE_PERSISTENCE_URL}, {@code DW_BUS_QUEUE_CAPACITY} or {@code
 * DW_BUS_QUEUECAPACITY}); an entry of a named map takes one token ({@code DW_STORAGE_SOURCES_PG_URL}
 * for {@code storage.sources.pg.url}). Values are strings and are converted like YAML strings;
 * lists are comma-separated. A {@code DW_} variable that names no key is reported as a warning
 * (a typo must not pass unnoticed), except the variables the launcher and commands read themselves.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {
  /** Environment variables read by the launcher and commands, not configuration keys. */
  public static final Set<String> RESERVED_ENV = Set.of(
      "DW_CONFIG", "DW_HOME", "DW_OPTS", "DW_JAVA_OPTS", "DW_JAVA_HOME", "DW_LOG_LEVEL", "DW_BACKUP_PASSPHRASE",
      "DW_REQUIRE_SERVICES", "DW_DATA_DIR", "DW_NO_BUILD", "DW_MAVEN_OPTS", "DW_CDS");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ConfigLoader() {}

  /**
   * The loaded configuration and what the loader noticed.
   *
   * @param config the validated configuration
   * @param warnings one line each (unknown {@code DW_} variables)
   * @param origins where each explicitly set key path came from: "file", "env DW_X" or "override"
   */
  public record Loaded(Config config, List<String> warnings, Map<String, String> origins) {}

  /**
   * Loads and validates.
   *
   * @param root the definition of the whole file
   * @param file the YAML file, or null for none
   * @param env environment variables (usually {@code System.getenv()})
   * @param overrides dotted key path to value, applied last (command-line options)
   * @throws DwException INVALID_ARGUMENT naming every bad key and value; NOT_FOUND when {@code file}
   *     does not exist
   */
  public static Loaded load(ConfigDef root, Path file, Map<String, String> env, Map<String, String> overrides) {
    Map<String, String> origins = new LinkedHashMap<>();
    ObjectNode tree = file == null ? JsonNodeFactory.instance.objectNode() : readYaml(file);
    if (file != null) {
      collectPaths("", tree, origins, "file " + file);
    }
    List<String> warnings = new ArrayList<>();
    env.entrySet().stream().filter(e -> e.getKey().startsWith("DW_")).sorted(Map.Entry.comparingByKey()).forEach(e -> {
      if (RESERVED_ENV.contains(e.getKey()) || e.getKey().startsWith("DW_TEST_")) {
        return;
      }
      List<String> path = envPath(root, e.getKey(), tree);
      if (path == null) {
        warnings.add("environment variable " + e.getKey() + " names no configuration key; it is ignored");
        return;
      }
      set(tree, path, e.getValue());
      origins.put(String.join(".", path), "env " + e.getKey());
    });
    overrides.forEach((k, v) -> {
      if (v != null) {
        List<String> path = Arrays.asList(k.split("\\."));
        set(tree, path, v);
        origins.put(k, "override");
      }
    });
    Config config = root.parse("", tree);
    return new Loaded(config, List.copyOf(warnings), origins);
  }

  /** Reads a YAML file as a mapping; INVALID_ARGUMENT with the line when it is not valid YAML. */
  public static ObjectNode readYaml(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw DwException.of(ErrorCode.NOT_FOUND, "configuration file " + file + " does not exist", e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read configuration file " + file + ": " + e.getMessage(), e);
    }
    if (text.isBlank()) {
      return JsonNodeFactory.instance.objectNode();
    }
    JsonNode n;
    try {
      n = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw DwException.of(ErrorCode.INVALID_ARGUMENT, "configuration file " + file + " is not valid YAML" + where + ": " + e.getOriginalMessage(), e);
    }
    if (n == null || n.isNull() || n.isMissingNode()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!n.isObject()) {
      throw DwException.invalidArgument("configuration file " + file + " must be a mapping of sections (dataDir:, bus:, storage:, ...), found " + n.getNodeType());
    }
    return (ObjectNode) n;
  }

  private static void collectPaths(String prefix, JsonNode n, Map<String, String> origins, String origin) {
    if (n.isObject()) {
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        collectPaths(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), origins, origin);
      }
    } else if (!prefix.isEmpty()) {
      origins.put(prefix, origin);
    }
  }

  private static void set(ObjectNode tree, List<String> path, String value) {
    ObjectNode cur = tree;
    for (int i = 0; i < path.size() - 1; i++) {
      JsonNode next = cur.get(path.get(i));
      if (next == null || !next.isObject()) {
        next = cur.putObject(path.get(i));
      }
      cur = (ObjectNode) next;
    }
    cur.put(path.get(path.size() - 1), value);
  }

  /** The key path an environment variable names, or null. */
  static List<String> envPath(ConfigDef root, String var, JsonNode tree) {
    String[] tokens = var.substring(3).toLowerCase(Locale.ROOT).split("_", -1);
    for (String t : tokens) {
      if (t.isEmpty()) {
        return null;
      }
    }
    List<String> out = new ArrayList<>();
    return walk(root, tokens, 0, tree, out) ? out : null;
  }

  private static boolean walk(ConfigDef def, String[] tokens, int at, JsonNode tree, List<String> out) {
    if (at >= tokens.length) {
      return false;
    }
    for (ConfigDef.Key key : def.keys().values()) {
      List<String> words = words(key.name());
      int n = matchWords(words, tokens, at);
      if (n == 0) {
        continue;
      }
      int next = at + n;
      JsonNode sub = tree == null ? null : tree.get(key.name());
      switch (key.type()) {
        case SECTION -> {
          out.add(key.name());
          if (walk(key.child(), tokens, next, sub, out)) {
            return true;
          }
          out.remove(out.size() - 1);
        }
        case MAP -> {
          if (next >= tokens.length) {
            continue;
          }
          String entry = tokens[next];
          if (sub != null && sub.isObject()) {
            for (Map.Entry<String, JsonNode> e : sub.properties()) {
              if (e.getKey().equalsIgnoreCase(entry)) {
                entry = e.getKey();
              }
            }
          }
          out.add(key.name());
          out.add(entry);
          if (walk(key.child(), tokens, next + 1, sub == null ? null : sub.get(entry), out)) {
            return true;
          }
          out.remove(out.size() - 1);
          out.remove(out.size() - 1);
        }
        case JSON -> {
          // free-form values cannot be set from the environment
        }
        default -> {
          if (next == tokens.length) {
            out.add(key.name());
            return true;
          }
        }
      }
    }
    return false;
  }

  /** How many tokens from {@code at} the key's words take: as separate words or all run together. */
  private static int matchWords(List<String> words, String[] tokens, int at) {
    int n = words.size();
    if (at + n <= tokens.length) {
      boolean all = true;
      for (int i = 0; i < n; i++) {
        if (!words.get(i).equals(tokens[at + i])) {
          all = false;
          break;
        }
      }
      if (all) {
        return n;
      }
    }
    if (n > 1 && String.join("", words).equals(tokens[at])) {
      return 1;
    }
    return 0;
  }

  /** camelCase → lower-case words: queueCapacity → [queue, capacity]; maxPayload → [max, payload]. */
  static List<String> words(String camel) {
    List<String> w = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (Character.isUpperCase(c) && cur.length() > 0) {
        w.add(cur.toString());
        cur.setLength(0);
      }
      if (c == '-' || c == '_') {
        if (cur.length() > 0) {
          w.add(cur.toString());
          cur.setLength(0);
        }
        continue;
      }
      cur.append(Character.toLowerCase(c));
    }
    if (cur.length() > 0) {
      w.add(cur.toString());
    }
    return w;
  }

  /** The environment variable that sets {@code keyPath} ("bus.queueCapacity" → DW_BUS_QUEUE_CAPACITY). */
  public static String envName(String keyPath) {
    StringBuilder sb = new StringBuilder("DW");
    for (String part : keyPath.split("\\.")) {
      for (String w : words(part)) {
        sb.append('_').append(w.toUpperCase(Locale.ROOT));
      }
    }
    return sb.toString();
  }
}
