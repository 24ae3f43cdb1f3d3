package io.datawarehouse.sdk.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.datawarehouse.sdk.DwException;
import java.io.IOException;

/**
 * The project's one JSON configuration (Jackson): records supported, {@code java.time} as ISO-8601
 * strings, nulls omitted, and strict reading: an unknown field is an error that names the field,
 * because a misspelt option silently ignored is a bug the user cannot see.
 *
 * <p>Thread-safe; the mapper is shared and must not be reconfigured.
 */
public final class Json {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
          .build();

  private Json() {}

  /** The shared mapper. Do not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** {@code value} as UTF-8 JSON bytes. */
  public static byte[] toBytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw DwException.internal("cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }

  /** {@code value} as a JSON string. */
  public static String toString(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw DwException.internal("cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }

  /** {@code value} as an indented JSON string, for people. */
  public static String toPrettyString(Object value) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw DwException.internal("cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }

  /**
   * Reads {@code type} from JSON bytes.
   *
   * @param what names the input in the error message ("request on storage.query")
   * @throws DwException INVALID_ARGUMENT naming the field and the problem when the JSON is bad
   */
  public static <T> T fromBytes(byte[] json, Class<T> type, String what) {
    try {
      return MAPPER.readValue(json, type);
    } catch (IOException e) {
      throw invalid(e, type, what);
    }
  }

  /** Reads a JSON tree; INVALID_ARGUMENT when it is not JSON. */
  public static JsonNode tree(byte[] json, String what) {
    try {
      JsonNode n = MAPPER.readTree(json);
      return n == null ? MAPPER.nullNode() : n;
    } catch (IOException e) {
      throw DwException.of(
          io.datawarehouse.sdk.ErrorCode.INVALID_ARGUMENT, what + " is not valid JSON: " + clean(e), e);
    }
  }

  /** Converts a tree to {@code type}; INVALID_ARGUMENT naming the field when it does not fit. */
  public static <T> T convert(JsonNode node, Class<T> type, String what) {
    try {
      return MAPPER.treeToValue(node, type);
    } catch (IOException e) {
      throw invalid(e, type, what);
    } catch (IllegalArgumentException e) {
      throw invalid(e, type, what);
    }
  }

  /** A new empty object node. */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  private static DwException invalid(Exception e, Class<?> type, String what) {
    String msg;
    if (e instanceof UnrecognizedPropertyException u) {
      msg = what + ": unknown field '" + u.getPropertyName() + "'; known fields: "
          + u.getKnownPropertyIds();
    } else if (e instanceof com.fasterxml.jackson.databind.JsonMappingException jm && !jm.getPath().isEmpty()) {
      StringBuilder field = new StringBuilder();
      for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : jm.getPath()) {
        if (r.getFieldName() != null) {
          field.append(field.length() == 0 ? "" : ".").append(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          field.append('[').append(r.getIndex()).append(']');
        }
      }
      msg = what + ": field '" + field + "': " + clean(e);
    } else {
      msg = what + ": cannot read " + type.getSimpleName() + ": " + clean(e);
    }
    return DwException.of(io.datawarehouse.sdk.ErrorCode.INVALID_ARGUMENT, msg, e);
  }

  /** Jackson's message without the source-location noise. */
  private static String clean(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = m.indexOf("\n at [Source");
    if (cut >= 0) {
      m = m.substring(0, cut);
    }
    cut = m.indexOf(" (set DeserializationConfig");
    if (cut >= 0) {
      m = m.substring(0, cut) + " (the field is missing or null)";
    }
    cut = m.indexOf(" (through reference chain");
    if (cut >= 0) {
      m = m.substring(0, cut);
    }
    return m.replace('\n', ' ').trim();
  }
}
