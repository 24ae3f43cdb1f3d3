package io.datawarehouse.sdk.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.sdk.json.Json;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated, immutable configuration section, produced by {@link ConfigDef#parse}. Getters are
 * typed; asking for a key the definition does not have, or with the wrong getter, is a programming
 * error ({@link IllegalArgumentException}), never a user error (those were reported by parse).
 *
 * <p>Optional keys without a default return null from their getter. {@link #toMaskedJson()} is the
 * only way configuration is printed: secrets are masked there and in {@link #toString()}.
 *
 * <p>Thread-safe.
 */
public final class Config {
  private final String path;
  private final ConfigDef def;
  private final Map<String, Object> values;
  private final Set<String> explicit;

  Config(String path, ConfigDef def, Map<String, Object> values, Set<String> explicit) {
    this.path = path == null ? "" : path;
    this.def = def;
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.explicit = Set.copyOf(explicit);
  }

  /** A config with every default of {@code def} (nothing given). */
  public static Config defaults(String path, ConfigDef def) {
    return def.parse(path, null);
  }

  /** Where this section sits ("storage", "storage.sources.pg"); empty at the top. */
  public String path() {
    return path;
  }

  public ConfigDef definition() {
    return def;
  }

  /** Whether the user gave a value for {@code name} (not just the default). */
  public boolean isSet(String name) {
    key(name);
    return explicit.contains(name);
  }

  public String getString(String name) {
    return get(name, ConfigDef.Type.STRING, String.class);
  }

  /** The string value, or {@code fallback} when there is none. */
  public String getString(String name, String fallback) {
    String s = getString(name);
    return s == null ? fallback : s;
  }

  public Integer getInt(String name) {
    return get(name, ConfigDef.Type.INT, Integer.class);
  }

  public Long getLong(String name) {
    return get(name, ConfigDef.Type.LONG, Long.class);
  }

  public Double getDouble(String name) {
    return get(name, ConfigDef.Type.DOUBLE, Double.class);
  }

  public Boolean getBoolean(String name) {
    return get(name, ConfigDef.Type.BOOLEAN, Boolean.class);
  }

  /** The boolean value, false when there is none. */
  public boolean isTrue(String name) {
    Boolean b = getBoolean(name);
    return b != null && b;
  }

  public Duration getDuration(String name) {
    return get(name, ConfigDef.Type.DURATION, Duration.class);
  }

  /** A SIZE key in bytes. */
  public Long getSize(String name) {
    return get(name, ConfigDef.Type.SIZE, Long.class);
  }

  @SuppressWarnings("unchecked")
  public List<String> getList(String name) {
    return get(name, ConfigDef.Type.LIST, List.class);
  }

  public Secret getPassword(String name) {
    return get(name, ConfigDef.Type.PASSWORD, Secret.class);
  }

  /** A nested section (never null: an absent section has its defaults). */
  public Config getSection(String name) {
    return get(name, ConfigDef.Type.SECTION, Config.class);
  }

  /** The named entries of a MAP key, in file order (never null). */
  @SuppressWarnings("unchecked")
  public Map<String, Config> getMap(String name) {
    Map<String, Config> m = get(name, ConfigDef.Type.MAP, Map.class);
    return m == null ? Map.of() : m;
  }

  /** A JSON key's raw tree, or null. */
  public JsonNode getJson(String name) {
    JsonNode n = get(name, ConfigDef.Type.JSON, JsonNode.class);
    return n == null ? null : n.deepCopy();
  }

  private <T> T get(String name, ConfigDef.Type type, Class<T> cls) {
    ConfigDef.Key k = key(name);
    if (k.type() != type) {
      throw new IllegalArgumentException("config key '" + ConfigParser.join(path, name) + "' is "
          + k.type() + ", not " + type);
    }
    return cls.cast(values.get(name));
  }

  private ConfigDef.Key key(String name) {
    ConfigDef.Key k = def.key(name);
    if (k == null) {
      throw new IllegalArgumentException("no config key '" + ConfigParser.join(path, name)
          + "' is defined; defined keys: " + def.keys().keySet());
    }
    return k;
  }

  /** This section as JSON with every secret masked: the only way config is printed. */
  public ObjectNode toMaskedJson() {
    ObjectNode o = Json.object();
    for (ConfigDef.Key k : def.keys().values()) {
      Object v = values.get(k.name());
      if (v == null) {
        continue;
      }
      String keyPath = ConfigParser.join(path, k.name());
      switch (k.type()) {
        case SECTION -> o.set(k.name(), ((Config) v).toMaskedJson());
        case MAP -> {
          ObjectNode m = o.putObject(k.name());
          @SuppressWarnings("unchecked")
          Map<String, Config> entries = (Map<String, Config>) v;
          entries.forEach((n, c) -> m.set(n, c.toMaskedJson()));
        }
        case PASSWORD -> o.put(k.name(), Secret.MASK);
        case JSON -> o.set(k.name(), maskTree(keyPath, (JsonNode) v));
        case LIST -> {
          ArrayNode a = o.putArray(k.name());
          for (Object item : (List<?>) v) {
            a.add(Secrets.maskValue(keyPath, String.valueOf(item)));
          }
        }
        case INT -> o.put(k.name(), (Integer) v);
        case LONG, SIZE -> o.put(k.name(), (Long) v);
        case DOUBLE -> o.put(k.name(), (Double) v);
        case BOOLEAN -> o.put(k.name(), (Boolean) v);
        case DURATION -> o.put(k.name(), Durations.format((Duration) v).replace(" ", ""));
        default -> o.put(k.name(), Secrets.maskValue(keyPath, String.valueOf(v)));
      }
    }
    return o;
  }

  private static JsonNode maskTree(String path, JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = Json.object();
      n.properties().forEach(e -> o.set(e.getKey(), maskTree(ConfigParser.join(path, e.getKey()), e.getValue())));
      return o;
    }
    if (n.isArray()) {
      ArrayNode a = Json.mapper().createArrayNode();
      n.forEach(item -> a.add(maskTree(path, item)));
      return a;
    }
    if (n.isTextual()) {
      return Json.mapper().getNodeFactory().textNode(Secrets.maskValue(path, n.asText()));
    }
    if (n.isValueNode() && Secrets.isSecretName(path)) {
      return Json.mapper().getNodeFactory().textNode(Secret.MASK);
    }
    return n;
  }

  @Override
  public String toString() {
    return (path.isEmpty() ? "" : path + "=") + toMaskedJson();
  }
}
