package io.datawarehouse.streaming.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.DropReason;
import io.datawarehouse.streaming.Stream;
import io.datawarehouse.streaming.WindowResult;
import io.datawarehouse.streaming.enrich.BusLookups;
import io.datawarehouse.streaming.enrich.Enrichment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Stream analytics delegated to the intelligence plugin: each window's batch of events goes to
 * {@code intelligence.analyze.stream}, the result (anomaly scores, statistics) flows downstream,
 * and every event scoring at or above the threshold is published on {@value #EVENTS_TOPIC}.
 *
 * <p>Request: {@code {"model", "key", "windowStart", "windowEnd", "events": [...]}}. Reply:
 * {@code {"scores": [one number per event], "statistics": {...}}} ({@code statistics} optional).
 * A reply without one score per event, or a failed request (after retries), sends the batch to the
 * dead letters as ANALYSIS_FAILED.
 *
 * <p>Anomaly event on {@value #EVENTS_TOPIC}: {@code {"type": "anomaly", "pipeline", "key",
 * "windowStart", "windowEnd", "score", "threshold", "event"}}.
 */
public final class StreamAnalytics {
  /** Where anomalies are published. */
  public static final String EVENTS_TOPIC = "streaming.events";
  /** The intelligence plugin's analysis topic. */
  public static final String ANALYZE_TOPIC = "intelligence.analyze.stream";

  private StreamAnalytics() {}

  /**
   * The analysis of one window's batch.
   *
   * @param key the batch's key
   * @param windowStart window start, epoch ms
   * @param windowEnd window end, epoch ms
   * @param events the events as sent
   * @param scores one anomaly score per event
   * @param statistics what the model reported about the batch (an empty object when nothing)
   * @param anomalies indexes of the events at or above the threshold
   */
  public record Analysis(Object key, long windowStart, long windowEnd, List<JsonNode> events, List<Double> scores,
      JsonNode statistics, List<Integer> anomalies) {}

  /**
   * Analyses each batch of {@code batches} (a window aggregated with {@code
   * Aggregations.collect}).
   *
   * @param pipeline names the pipeline in anomaly events
   * @param model the model the intelligence plugin should use
   * @param threshold scores at or above it are anomalies
   * @param timeout the budget of one batch's analysis, retries included
   */
  public static <K, T> Stream<Analysis> analyze(Stream<WindowResult<K, List<T>>> batches, MessageBus bus,
      String pipeline, String model, double threshold, Duration timeout) {
    Objects.requireNonNull(bus, "bus");
    Objects.requireNonNull(model, "model");
    Function<WindowResult<K, List<T>>, Object> body = w -> {
      ObjectNode b = Json.object();
      b.put("model", model);
      b.set("key", Json.mapper().valueToTree(w.key()));
      b.put("windowStart", w.start());
      b.put("windowEnd", w.end());
      b.set("events", Json.mapper().valueToTree(w.value()));
      return b;
    };
    Enrichment<WindowResult<K, List<T>>, JsonNode, Analysis> e = Enrichment.<WindowResult<K, List<T>>, JsonNode,
            Analysis>of(BusLookups.request(bus, ANALYZE_TOPIC, body), (w, reply) -> {
              Analysis a = read(w, reply, threshold);
              for (int i : a.anomalies()) {
                ObjectNode ev = Json.object().put("type", "anomaly").put("pipeline", pipeline);
                ev.set("key", Json.mapper().valueToTree(a.key()));
                ev.put("windowStart", a.windowStart()).put("windowEnd", a.windowEnd())
                    .put("score", a.scores().get(i)).put("threshold", threshold);
                ev.set("event", a.events().get(i));
                bus.publish(Message.json(EVENTS_TOPIC, ev));
              }
              return a;
            })
        .timeouts(timeout, timeout)
        .failureReason(DropReason.ANALYSIS_FAILED);
    return batches.enrich(e);
  }

  private static <K, T> Analysis read(WindowResult<K, List<T>> w, JsonNode reply, double threshold) {
    List<JsonNode> events = new ArrayList<>();
    w.value().forEach(v -> events.add(Json.mapper().valueToTree(v)));
    JsonNode scores = reply == null ? null : reply.get("scores");
    if (scores == null || !scores.isArray() || scores.size() != events.size()) {
      throw DwException.of(ErrorCode.INVALID_ARGUMENT, ANALYZE_TOPIC + " answered without one score per event"
          + " (expected " + events.size() + " scores, got " + (scores == null ? "none" : scores.size()) + ")");
    }
    List<Double> s = new ArrayList<>();
    List<Integer> anomalies = new ArrayList<>();
    for (int i = 0; i < scores.size(); i++) {
      double v = scores.get(i).asDouble();
      s.add(v);
      if (v >= threshold) {
        anomalies.add(i);
      }
    }
    JsonNode stats = reply.has("statistics") ? reply.get("statistics") : Json.object();
    return new Analysis(w.key(), w.start(), w.end(), events, s, stats, anomalies);
  }
}
