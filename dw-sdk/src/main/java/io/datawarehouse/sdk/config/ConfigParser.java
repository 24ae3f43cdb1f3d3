package io.datawarehouse.sdk.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.DwException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Converts and validates a JSON tree against a {@link ConfigDef}; collects every problem. */
final class ConfigParser {
  private static final Pattern ENTRY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

  private ConfigParser() {}

  static Config parse(ConfigDef def, String path, JsonNode node, List<String> problems) {
    Map<String, Object> values = new LinkedHashMap<>();
    Set<String> explicit = new HashSet<>();
    if (node != null && !node.isNull() && !node.isMissingNode() && !node.isObject()) {
      problems.add("'" + display(path) + "' must be a mapping of keys to values, found " + describe(node));
      return new Config(path, def, values, explicit);
    }
    if (node != null && node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String name = field.getKey();
        if (def.key(name) == null) {
          problems.add(unknownKey(def, path, name));
        }
      }
    }
    for (ConfigDef.Key key : def.keys().values()) {
      String keyPath = join(path, key.name());
      JsonNode v = node == null || !node.isObject() ? null : node.get(key.name());
      boolean given = v != null && !v.isNull() && !v.isMissingNode();
      if (given) {
        explicit.add(key.name());
      }
      try {
        Object converted;
        switch (key.type()) {
          case SECTION -> converted = parse(key.child(), keyPath, given ? v : null, problems);
          case MAP -> converted = parseMap(key, keyPath, given ? v : null, problems);
          case JSON -> converted = given ? v.deepCopy() : null;
          default -> {
            if (!given) {
              if (key.required()) {
                problems.add("missing required key '" + keyPath + "' (" + key.type().expected() + ": " + key.doc() + ")");
                continue;
              }
              converted = key.defaultValue();
            } else {
              converted = convert(key, keyPath, v);
              if (key.validator() != null) {
                key.validator().check(keyPath, converted);
              }
            }
          }
        }
        if (converted != null) {
          values.put(key.name(), converted);
        }
      } catch (DwException e) {
        problems.add(e.getMessage());
      }
    }
    return new Config(path, def, values, explicit);
  }

  private static Map<String, Config> parseMap(ConfigDef.Key key, String path, JsonNode node, List<String> problems) {
    Map<String, Config> entries = new LinkedHashMap<>();
    if (node == null) {
      return entries;
    }
    if (!node.isObject()) {
      problems.add("'" + path + "' must be " + key.type().expected() + ", found " + describe(node));
      return entries;
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!ENTRY_NAME.matcher(e.getKey()).matches()) {
        problems.add("'" + path + "' has an entry named '" + e.getKey()
            + "': names are letters, digits, '-' and '_', at most 64 characters");
        continue;
      }
      entries.put(e.getKey(), parse(key.child(), join(path, e.getKey()), e.getValue(), problems));
    }
    return entries;
  }

  static Object convert(ConfigDef.Key key, String path, JsonNode v) {
    String text = v.isValueNode() ? v.asText() : null;
    try {
      return switch (key.type()) {
        case STRING -> {
          requireScalar(key, path, v);
          yield text;
        }
        case PASSWORD -> {
          requireScalar(key, path, v);
          yield Secret.of(text);
        }
        case INT -> {
          requireScalar(key, path, v);
          long l = parseLong(key, path, v);
          if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw wrongType(key, path, v);
          }
          yield (int) l;
        }
        case LONG -> {
          requireScalar(key, path, v);
          yield parseLong(key, path, v);
        }
        case DOUBLE -> {
          requireScalar(key, path, v);
          if (v.isNumber()) {
            yield v.asDouble();
          }
          try {
            yield Double.parseDouble(text.trim());
          } catch (NumberFormatException e) {
            throw wrongType(key, path, v);
          }
        }
        case BOOLEAN -> {
          requireScalar(key, path, v);
          if (v.isBoolean()) {
            yield v.asBoolean();
          }
          yield switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw wrongType(key, path, v);
          };
        }
        case DURATION -> {
          requireScalar(key, path, v);
          if (v.isNumber() && v.asLong() == 0) {
            yield java.time.Duration.ZERO;
          }
          if (v.isNumber()) {
            throw DwException.invalidArgument("'" + path + "' must be " + key.type().expected()
                + ", found the bare number " + v.asText() + " (add a unit, e.g. " + v.asText() + "s)");
          }
          yield Durations.parse(text);
        }
        case SIZE -> {
          requireScalar(key, path, v);
          if (v.isIntegralNumber()) {
            yield v.asLong();
          }
          yield Sizes.parse(text);
        }
        case LIST -> {
          List<String> out = new ArrayList<>();
          if (v.isArray()) {
            for (JsonNode item : v) {
              if (!item.isValueNode()) {
                throw DwException.invalidArgument("'" + path + "' must be a list of plain values, found an item that is " + describe(item));
              }
              out.add(item.asText());
            }
          } else if (v.isValueNode()) {
            for (String s : text.split(",")) {
              if (!s.isBlank()) {
                out.add(s.trim());
              }
            }
          } else {
            throw wrongType(key, path, v);
          }
          yield List.copyOf(out);
        }
        default -> throw new IllegalStateException("not a scalar type: " + key.type());
      };
    } catch (DwException e) {
      if (e.getMessage().startsWith("'" + path + "'")) {
        throw e;
      }
      throw DwException.invalidArgument("'" + path + "': " + e.getMessage());
    }
  }

  private static long parseLong(ConfigDef.Key key, String path, JsonNode v) {
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    if (v.isTextual()) {
      try {
        return Long.parseLong(v.asText().trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw wrongType(key, path, v);
      }
    }
    throw wrongType(key, path, v);
  }

  private static void requireScalar(ConfigDef.Key key, String path, JsonNode v) {
    if (!v.isValueNode()) {
      throw wrongType(key, path, v);
    }
  }

  private static DwException wrongType(ConfigDef.Key key, String path, JsonNode v) {
    String shown = v.isValueNode() ? "'" + Secrets.maskValue(path, v.asText()) + "'" : describe(v);
    if (key.type() == ConfigDef.Type.PASSWORD && v.isValueNode()) {
      shown = "a value";
    }
    return DwException.invalidArgument("'" + path + "' must be " + key.type().expected() + ", found " + shown);
  }

  private static String describe(JsonNode n) {
    if (n.isObject()) {
      return "a mapping";
    }
    if (n.isArray()) {
      return "a list";
    }
    if (n.isTextual()) {
      return "a string";
    }
    if (n.isNumber()) {
      return "a number";
    }
    if (n.isBoolean()) {
      return "a boolean";
    }
    return n.getNodeType().toString().toLowerCase(Locale.ROOT);
  }

  private static String unknownKey(ConfigDef def, String path, String name) {
    String full = join(path, name);
    StringBuilder sb = new StringBuilder("unknown key '" + full + "'");
    String best = null;
    int bestDist = Integer.MAX_VALUE;
    for (String k : def.names()) {
      int d = distance(k.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT));
      if (d < bestDist) {
        bestDist = d;
        best = k;
      }
    }
    if (best != null && bestDist <= Math.max(2, name.length() / 3)) {
      sb.append(" (did you mean '").append(join(path, best)).append("'?)");
    }
    if (def.names().isEmpty()) {
      sb.append("; '").append(display(path)).append("' takes no keys");
    } else {
      sb.append("; known keys under '").append(display(path)).append("': ").append(String.join(", ", def.names()));
    }
    return sb.toString();
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  static String join(String path, String name) {
    return path == null || path.isEmpty() ? name : path + "." + name;
  }

  private static String display(String path) {
    return path == null || path.isEmpty() ? "(top level)" : path;
  }
}
