package io.datawarehouse.sdk.bus;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One message on the bus: a topic, headers and a byte payload.
 *
 * <p>Standard headers: a unique {@linkplain #id() id}, a {@linkplain #correlationId() correlation
 * id} (a reply carries the id of its request), a {@linkplain #replyTo() reply-to} (set by the bus
 * on requests), a {@linkplain #contentType() content type}, a {@linkplain #traceId() trace id}
 * that follows a chain of messages, and a {@linkplain #timestamp() timestamp} in epoch
 * milliseconds. Other headers are free-form strings.
 *
 * <p>Immutable and thread-safe. The payload array is owned by the message once built: the builder
 * does not copy it and {@link #payload()} does not copy it either, so never modify either array.
 *
 * <p>Error replies carry {@link #ERROR_CODE} and {@link #ERROR_MESSAGE} headers; {@link
 * MessageBus#request} turns them back into a {@link DwException} with the same code.
 */
public final class Message {
  /** Header: message id. */
  public static final String ID = "dw-id";
  /** Header: the id of the message this one answers or follows. */
  public static final String CORRELATION_ID = "dw-correlation-id";
  /** Header: where a reply goes (set by the bus on requests). */
  public static final String REPLY_TO = "dw-reply-to";
  /** Header: the payload's media type. */
  public static final String CONTENT_TYPE = "content-type";
  /** Header: the trace id shared by a chain of messages. */
  public static final String TRACE_ID = "dw-trace-id";
  /** Header: when the message was created, epoch milliseconds. */
  public static final String TIMESTAMP = "dw-timestamp";
  /** Header: the stable error code of an error reply. */
  public static final String ERROR_CODE = "dw-error-code";
  /** Header: the human message of an error reply. */
  public static final String ERROR_MESSAGE = "dw-error-message";

  public static final String JSON = "application/json";
  public static final String TEXT = "text/plain; charset=utf-8";
  public static final String BINARY = "application/octet-stream";

  private static final byte[] EMPTY = new byte[0];
  private static final String NODE = Long.toString(ThreadLocalRandom.current().nextLong() >>> 16, 36);
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final String topic;
  private final byte[] payload;
  private final String id;
  private final String correlationId;
  private final String replyTo;
  private final String contentType;
  private final String traceId;
  private final long timestamp;
  private final Map<String, String> extra;

  private Message(Builder b) {
    this.topic = Topics.requireValidTopic(b.topic);
    this.payload = b.payload == null ? EMPTY : b.payload;
    this.id = b.id != null ? b.id : nextId();
    this.correlationId = b.correlationId;
    this.replyTo = b.replyTo;
    this.contentType = b.contentType;
    this.traceId = b.traceId;
    this.timestamp = b.timestamp != 0 ? b.timestamp : System.currentTimeMillis();
    this.extra = b.extra == null ? Map.of() : Collections.unmodifiableMap(b.extra);
  }

  /** A new process-unique id: a random node prefix and a sequence number. */
  public static String nextId() {
    return NODE + "-" + Long.toString(SEQUENCE.incrementAndGet(), 36);
  }

  /** A builder for a message on {@code topic}. */
  public static Builder builder(String topic) {
    return new Builder(topic);
  }

  /** A message with a binary payload. */
  public static Message of(String topic, byte[] payload) {
    return builder(topic).payload(payload).build();
  }

  /** A message with a UTF-8 text payload. */
  public static Message text(String topic, String text) {
    return builder(topic).text(text).build();
  }

  /** A message whose payload is {@code body} as JSON. */
  public static Message json(String topic, Object body) {
    return builder(topic).json(body).build();
  }

  /**
   * The start of a reply to {@code request}: same topic, correlation id = the request's id, same
   * trace id.
   */
  public static Builder replyTo(Message request) {
    Builder b = builder(request.topic()).correlationId(request.id());
    if (request.traceId() != null) {
      b.traceId(request.traceId());
    }
    return b;
  }

  /** An error reply to {@code request} carrying the exception's code and message. */
  public static Message errorReply(Message request, DwException error) {
    String msg = error.getMessage() == null ? error.code().wire() : error.getMessage();
    return replyTo(request)
        .header(ERROR_CODE, error.code().wire())
        .header(ERROR_MESSAGE, msg)
        .text(msg)
        .build();
  }

  public String topic() {
    return topic;
  }

  /** The payload; never null, never to be modified. */
  public byte[] payload() {
    return payload;
  }

  public int size() {
    return payload.length;
  }

  public String id() {
    return id;
  }

  /** The id of the message this one answers, or null. */
  public String correlationId() {
    return correlationId;
  }

  /** Where a reply goes, or null when this is not a request. */
  public String replyTo() {
    return replyTo;
  }

  public boolean isRequest() {
    return replyTo != null;
  }

  /** The media type, or null when unknown. */
  public String contentType() {
    return contentType;
  }

  public String traceId() {
    return traceId;
  }

  /** Creation time in epoch milliseconds. */
  public long timestamp() {
    return timestamp;
  }

  /** A header by name (standard or free-form), or null. */
  public String header(String name) {
    return switch (name) {
      case ID -> id;
      case CORRELATION_ID -> correlationId;
      case REPLY_TO -> replyTo;
      case CONTENT_TYPE -> contentType;
      case TRACE_ID -> traceId;
      case TIMESTAMP -> Long.toString(timestamp);
      default -> extra.get(name);
    };
  }

  /** Every header, standard ones included, as an ordered map. */
  public Map<String, String> headers() {
    Map<String, String> all = new LinkedHashMap<>();
    all.put(ID, id);
    if (correlationId != null) {
      all.put(CORRELATION_ID, correlationId);
    }
    if (replyTo != null) {
      all.put(REPLY_TO, replyTo);
    }
    if (contentType != null) {
      all.put(CONTENT_TYPE, contentType);
    }
    if (traceId != null) {
      all.put(TRACE_ID, traceId);
    }
    all.put(TIMESTAMP, Long.toString(timestamp));
    all.putAll(extra);
    return all;
  }

  /** The free-form headers only. */
  public Map<String, String> extraHeaders() {
    return extra;
  }

  /** Whether this is an error reply. */
  public boolean isError() {
    return extra.containsKey(ERROR_CODE);
  }

  /** The error this reply carries, or null when it is not an error reply. */
  public DwException error() {
    String code = extra.get(ERROR_CODE);
    if (code == null) {
      return null;
    }
    String msg = extra.getOrDefault(ERROR_MESSAGE, code);
    return DwException.of(ErrorCode.fromWire(code), msg);
  }

  /** The payload as UTF-8 text. */
  public String text() {
    return new String(payload, StandardCharsets.UTF_8);
  }

  /**
   * The payload read as JSON into {@code type}.
   *
   * @throws DwException INVALID_ARGUMENT naming the topic and the bad field
   */
  public <T> T json(Class<T> type) {
    return Json.fromBytes(payload, type, "payload on '" + topic + "'");
  }

  /** The payload as a JSON tree; INVALID_ARGUMENT when it is not JSON. */
  public JsonNode jsonTree() {
    return Json.tree(payload, "payload on '" + topic + "'");
  }

  /** A copy of this message on another topic (same payload and headers, a new id). */
  public Message withTopic(String newTopic) {
    return toBuilder().topic(newTopic).id(null).build();
  }

  /** A builder pre-filled with this message's topic, payload and headers (id included). */
  public Builder toBuilder() {
    Builder b = new Builder(topic);
    b.payload = payload;
    b.id = id;
    b.correlationId = correlationId;
    b.replyTo = replyTo;
    b.contentType = contentType;
    b.traceId = traceId;
    b.timestamp = timestamp;
    if (!extra.isEmpty()) {
      b.extra = new LinkedHashMap<>(extra);
    }
    return b;
  }

  @Override
  public String toString() {
    return "Message{topic=" + topic + ", id=" + id + ", size=" + payload.length
        + (replyTo != null ? ", request" : "") + (isError() ? ", error=" + extra.get(ERROR_CODE) : "")
        + "}";
  }

  /** Builds a {@link Message}. Not thread-safe. */
  public static final class Builder {
    private String topic;
    private byte[] payload;
    private String id;
    private String correlationId;
    private String replyTo;
    private String contentType;
    private String traceId;
    private long timestamp;
    private Map<String, String> extra;

    private Builder(String topic) {
      this.topic = topic;
    }

    public Builder topic(String topic) {
      this.topic = topic;
      return this;
    }

    /** The payload; not copied, so do not modify the array afterwards. */
    public Builder payload(byte[] payload) {
      this.payload = payload;
      return this;
    }

    public Builder text(String text) {
      this.payload = text.getBytes(StandardCharsets.UTF_8);
      if (contentType == null) {
        contentType = TEXT;
      }
      return this;
    }

    public Builder json(Object body) {
      this.payload = Json.toBytes(body);
      this.contentType = JSON;
      return this;
    }

    /** Sets the id (null: a new one is generated). */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    public Builder correlationId(String correlationId) {
      this.correlationId = correlationId;
      return this;
    }

    /** Sets reply-to. Buses set this on requests; application code rarely needs it. */
    public Builder replyTo(String replyTo) {
      this.replyTo = replyTo;
      return this;
    }

    public Builder contentType(String contentType) {
      this.contentType = contentType;
      return this;
    }

    public Builder traceId(String traceId) {
      this.traceId = traceId;
      return this;
    }

    public Builder timestamp(long epochMillis) {
      this.timestamp = epochMillis;
      return this;
    }

    /**
     * Sets a header. Standard header names set the corresponding field; others are free-form.
     * Names are lower-case ASCII by convention; values must not be null.
     */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "header name");
      Objects.requireNonNull(value, "header value for " + name);
      switch (name) {
        case ID -> id = value;
        case CORRELATION_ID -> correlationId = value;
        case REPLY_TO -> replyTo = value;
        case CONTENT_TYPE -> contentType = value;
        case TRACE_ID -> traceId = value;
        case TIMESTAMP -> {
          try {
            timestamp = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw DwException.invalidArgument("header " + TIMESTAMP + " is not epoch millis: " + value);
          }
        }
        default -> {
          if (extra == null) {
            extra = new LinkedHashMap<>(4);
          }
          extra.put(name, value);
        }
      }
      return this;
    }

    /** Sets several headers, as {@link #header} does. */
    public Builder headers(Map<String, String> headers) {
      headers.forEach(this::header);
      return this;
    }

    /** The message; INVALID_ARGUMENT when the topic is not a valid topic. */
    public Message build() {
      return new Message(this);
    }
  }
}
