package io.datawarehouse.sdk.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.DwException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The definition of one component's configuration: every key with its type, default, validation
 * and documentation, in one place (as Kafka's {@code ConfigDef}). {@link #parse} turns a JSON/YAML
 * tree into an immutable, validated {@link Config}; an unknown key, a wrong type or a value that
 * fails validation is an INVALID_ARGUMENT error naming the key, the value and what is expected.
 *
 * <p>Keys are camelCase ({@code requireReal}); nested sections are {@link Type#SECTION}; named
 * entries of the same shape ({@code storage.sources.<name>.url}) are {@link Type#MAP}.
 *
 * <p>Immutable and thread-safe once built.
 */
public final class ConfigDef {

  /** The value types a key may have. */
  public enum Type {
    STRING("a string"),
    INT("an integer"),
    LONG("an integer"),
    DOUBLE("a number"),
    BOOLEAN("true or false"),
    /** 500ms, 30s, 5m, PT30S. */
    DURATION("a duration such as 500ms, 30s, 5m"),
    /** 4096, 64KiB, 1GiB; read as a number of bytes. */
    SIZE("a size such as 4096, 64KiB, 1GiB"),
    /** A list of strings; from an environment variable, comma-separated. */
    LIST("a list"),
    /** A secret string: never printed, read as a {@link Secret}. */
    PASSWORD("a string"),
    /** A nested section with its own definition. */
    SECTION("a mapping"),
    /** Named entries, each a section with the same definition. */
    MAP("a mapping of names to sections"),
    /** Free-form JSON the component validates itself (pipeline definitions and the like). */
    JSON("any value");

    private final String expected;

    Type(String expected) {
      this.expected = expected;
    }

    /** How an error message describes a valid value of this type. */
    public String expected() {
      return expected;
    }
  }

  /** Checks a converted value; throws INVALID_ARGUMENT naming {@code path} when it is bad. */
  @FunctionalInterface
  public interface Validator {
    void check(String path, Object value);
  }

  /**
   * One key.
   *
   * @param name the key within its section
   * @param type its type
   * @param defaultValue the default, already of the Java type the getter returns; null for none
   * @param required whether a value must be given
   * @param validator extra validation, or null
   * @param doc one line for {@code dw config show} and the README
   * @param child the definition of a SECTION, or of each entry of a MAP; null otherwise
   */
  public record Key(
      String name,
      Type type,
      Object defaultValue,
      boolean required,
      Validator validator,
      String doc,
      ConfigDef child) {}

  private static final ConfigDef EMPTY = new ConfigDef(Map.of());

  private final Map<String, Key> keys;

  private ConfigDef(Map<String, Key> keys) {
    this.keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
  }

  /** A definition with no keys: any key given is an error. */
  public static ConfigDef empty() {
    return EMPTY;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The keys in definition order. */
  public Map<String, Key> keys() {
    return keys;
  }

  /** A key, or null. */
  public Key key(String name) {
    return keys.get(name);
  }

  /** This definition plus the keys of {@code other} (a key defined in both is an error). */
  public ConfigDef merge(ConfigDef other) {
    Builder b = new Builder();
    b.keys.putAll(keys);
    for (Key k : other.keys.values()) {
      b.add(k);
    }
    return b.build();
  }

  /**
   * Validates {@code node} (a mapping, or null/missing for "nothing given") against this
   * definition and returns the config with defaults filled in.
   *
   * @param path where this section sits, for messages ("storage", "storage.sources.pg")
   * @throws DwException INVALID_ARGUMENT listing every problem found
   */
  public Config parse(String path, JsonNode node) {
    List<String> problems = new ArrayList<>();
    Config c = ConfigParser.parse(this, path, node, problems);
    if (!problems.isEmpty()) {
      String where = path == null || path.isEmpty() ? "configuration" : "configuration of '" + path + "'";
      if (problems.size() == 1) {
        throw DwException.invalidArgument("bad " + where + ": " + problems.get(0));
      }
      StringBuilder sb = new StringBuilder("bad " + where + ", " + problems.size() + " problems:");
      for (String p : problems) {
        sb.append("\n  - ").append(p);
      }
      throw DwException.invalidArgument(sb.toString());
    }
    return c;
  }

  /** Adds keys to a {@link ConfigDef}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, Key> keys = new LinkedHashMap<>();

    private Builder() {}

    private Builder add(Key k) {
      Objects.requireNonNull(k.name(), "name");
      if (k.name().isEmpty() || k.name().contains(".")) {
        throw new IllegalArgumentException("config key names are non-empty and have no dots: '" + k.name() + "'");
      }
      if (keys.putIfAbsent(k.name(), k) != null) {
        throw new IllegalArgumentException("config key '" + k.name() + "' defined twice");
      }
      return this;
    }

    /** A key of any scalar type with a default (null: optional, no default). */
    public Builder define(String name, Type type, Object defaultValue, String doc) {
      return add(new Key(name, type, defaultValue, false, null, doc, null));
    }

    /** A key with a default and a validator. */
    public Builder define(String name, Type type, Object defaultValue, Validator validator, String doc) {
      return add(new Key(name, type, defaultValue, false, validator, doc, null));
    }

    /** A key that must be given. */
    public Builder required(String name, Type type, Validator validator, String doc) {
      return add(new Key(name, type, null, true, validator, doc, null));
    }

    public Builder string(String name, String defaultValue, String doc) {
      return define(name, Type.STRING, defaultValue, doc);
    }

    public Builder integer(String name, int defaultValue, Validator validator, String doc) {
      return define(name, Type.INT, defaultValue, validator, doc);
    }

    public Builder longValue(String name, long defaultValue, Validator validator, String doc) {
      return define(name, Type.LONG, defaultValue, validator, doc);
    }

    public Builder number(String name, double defaultValue, Validator validator, String doc) {
      return define(name, Type.DOUBLE, defaultValue, validator, doc);
    }

    public Builder bool(String name, boolean defaultValue, String doc) {
      return define(name, Type.BOOLEAN, defaultValue, doc);
    }

    /** A duration key; the default is written as people write it ("30s"). */
    public Builder duration(String name, String defaultValue, String doc) {
      return define(name, Type.DURATION, defaultValue == null ? null : Durations.parse(defaultValue),
          Validators.nonNegativeDuration(), doc);
    }

    /** A size key; the default is written as people write it ("64KiB"). */
    public Builder size(String name, String defaultValue, Validator validator, String doc) {
      return define(name, Type.SIZE, defaultValue == null ? null : Sizes.parse(defaultValue), validator, doc);
    }

    public Builder list(String name, List<String> defaultValue, String doc) {
      return define(name, Type.LIST, defaultValue == null ? null : List.copyOf(defaultValue), doc);
    }

    /** A secret: never printed. No default. */
    public Builder password(String name, String doc) {
      return define(name, Type.PASSWORD, null, doc);
    }

    /** A nested section. */
    public Builder section(String name, ConfigDef child, String doc) {
      return add(new Key(name, Type.SECTION, null, false, null, doc, child));
    }

    /** Named entries, each validated by {@code entry}. */
    public Builder map(String name, ConfigDef entry, String doc) {
      return add(new Key(name, Type.MAP, null, false, null, doc, entry));
    }

    /** Free-form JSON, validated by the component. */
    public Builder json(String name, String doc) {
      return add(new Key(name, Type.JSON, null, false, null, doc, null));
    }

    public ConfigDef build() {
      return new ConfigDef(keys);
    }
  }

  /** Names for error messages: the keys of this definition. */
  Set<String> names() {
    return keys.keySet();
  }
}
