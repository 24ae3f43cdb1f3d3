package io.datawarehouse.streaming.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * {@link Lookup}s as bus requests: the streaming plugin never looks anything up itself, it asks
 * the plugin that owns the data. A NOT_FOUND error reply means "none found" (null, cached as a
 * negative hit); retriable error codes (TIMEOUT, UNAVAILABLE, NO_RESPONDERS, RESOURCE_EXHAUSTED)
 * are retried; other codes fail the record.
 */
public final class BusLookups {
  private BusLookups() {}

  /** Sends {@code body(record)} as JSON on {@code topic} and yields the reply as a JSON tree. */
  public static <T> Lookup<T, JsonNode> request(MessageBus bus, String topic, Function<? super T, ?> body) {
    Objects.requireNonNull(bus, "bus");
    Objects.requireNonNull(body, "body");
    io.datawarehouse.sdk.bus.Topics.requireValidTopic(topic);
    return (record, timeout) -> bus.request(Message.json(topic, body.apply(record)), timeout)
        .thenApply(Message::jsonTree);
  }

  /**
   * A parameterised SQL lookup against a data source the storage plugin has configured ({@code
   * storage.query}): request {@code {"source": source, "sql": sql, "params": params(record)}}
   * (positional {@code ?} parameters, bound by the driver). The reply carries {@code rows}.
   */
  public static <T> Lookup<T, JsonNode> storageQuery(MessageBus bus, String source, String sql,
      Function<? super T, ? extends java.util.List<?>> params) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(sql, "sql");
    return request(bus, "storage.query", record -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("source", source);
      body.put("sql", sql);
      body.put("params", params.apply(record));
      return body;
    });
  }

  /**
   * An object lookup in a store of the storage plugin ({@code storage.query} with {@code {"store",
   * "key", "content": true}}): the reply carries {@code info} and {@code contentBase64}; a missing
   * key is NOT_FOUND, so "none found".
   */
  public static <T> Lookup<T, JsonNode> storageObject(MessageBus bus, String store, Function<? super T, String> key) {
    Objects.requireNonNull(store, "store");
    return request(bus, "storage.query", record -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("store", store);
      body.put("key", key.apply(record));
      body.put("content", true);
      return body;
    });
  }

  /**
   * A model's prediction from the intelligence plugin ({@code intelligence.infer}): request
   * {@code {"model": model, "features": features(record)}}.
   */
  public static <T> Lookup<T, JsonNode> infer(MessageBus bus, String model, Function<? super T, ?> features) {
    Objects.requireNonNull(model, "model");
    return request(bus, "intelligence.infer", record -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("model", model);
      body.put("features", features.apply(record));
      return body;
    });
  }
}
