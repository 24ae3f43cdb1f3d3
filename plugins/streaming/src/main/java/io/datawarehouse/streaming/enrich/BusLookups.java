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
   * A parameterised query against a data source the storage plugin has configured ({@code
   * storage.query}): request {@code {"source": source, "query": query, "params": params(record)}}.
   */
  public static <T> Lookup<T, JsonNode> storageQuery(MessageBus bus, String source, String query,
      Function<? super T, ? extends Map<String, ?>> params) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(query, "query");
    return request(bus, "storage.query", record -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("source", source);
      body.put("query", query);
      body.put("params", params.apply(record));
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
