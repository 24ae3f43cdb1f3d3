package io.datawarehouse.streaming.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.json.Json;
import java.time.Duration;
import java.util.Map;

/**
 * A pipeline declared as data (in {@code dw.yaml} under {@code streaming.pipelines.<name>}, in a
 * file for {@code dw stream run}, or in a {@code streaming.pipeline.start} request). Records are
 * JSON objects; fields are named by dotted paths ({@code "customer.id"}).
 *
 * <pre>{@code
 * source:    { topic: orders.in }    # or { log: orders, follow: false }  (a durable log of the plugin)
 * eventTime: { field: ts, maxOutOfOrderness: 2s, idleTimeout: 30s }   # field absent: arrival time
 * filter:    { field: type, equals: order }                          # optional
 * enrich:    { topic: storage.query, request: { source: crm, query: "...", params: { id: $.customer } },
 *              as: customer, cacheTtl: 5m, negativeTtl: 1m, capacity: 100, timeout: 5s }   # optional
 * keyBy:     customer                                                  # optional with a window
 * window:    { type: tumbling, size: 1m }   # or sliding (size, slide) or session (gap)
 * allowedLateness: 5m
 * aggregate: { op: count }                  # or sum/min/max/avg with field, or collect
 * analyze:   { model: zscore, threshold: 3 }   # optional, needs aggregate collect
 * sink:      { topic: orders.per-customer }  # or { log: name } or { store: s, key: $.key }
 * }</pre>
 *
 * @param source where records come from
 * @param eventTime how records get event times
 * @param filter which records to keep, or null
 * @param enrich a lookup over the bus, or null
 * @param keyBy the key field, or null
 * @param window the window, or null (then records go to the sink unchanged)
 * @param allowedLateness how late a record may update a fired window
 * @param aggregate the window's aggregation
 * @param analyze stream analysis of window batches, or null
 * @param sink where results go
 */
public record PipelineSpec(Endpoint source, EventTime eventTime, Filter filter, Enrich enrich, String keyBy,
    Window window, Duration allowedLateness, Aggregate aggregate, Analyze analyze, Endpoint sink) {

  /**
   * A source or sink: exactly one of {@code topic}, {@code log}, {@code store} ({@code key}: the
   * store's key template). A log source follows the log for new records unless {@code follow} is
   * false, which makes the pipeline end after the last record (a replay).
   */
  public record Endpoint(String topic, String log, String store, String key, Boolean follow) {}

  /** Event time from a field (epoch ms or ISO-8601), or arrival time when {@code field} is null. */
  public record EventTime(String field, Duration maxOutOfOrderness, Duration idleTimeout) {}

  /** Keeps records whose {@code field} equals {@code equals} (as text). */
  public record Filter(String field, String equals) {}

  /**
   * A bus request per record; its reply goes into field {@code as} ({@code null} when NOT_FOUND).
   * In {@code request}, a string value {@code "$.path"} is replaced by the record's field.
   */
  public record Enrich(String topic, JsonNode request, String as, Integer capacity, Duration timeout,
      Integer maxAttempts, Duration cacheTtl, Duration negativeTtl, Boolean ordered) {}

  /** tumbling (size), sliding (size, slide) or session (gap). */
  public record Window(String type, Duration size, Duration slide, Duration gap) {}

  /** count, sum, min, max, avg (with field) or collect. */
  public record Aggregate(String op, String field) {}

  /** Stream analysis by {@code model}; scores at or above {@code threshold} are anomalies. */
  public record Analyze(String model, Double threshold, Duration timeout) {}

  public PipelineSpec {
    if (source == null || sink == null) {
      throw DwException.invalidArgument("a pipeline needs a source and a sink");
    }
    if (window != null && aggregate == null) {
      throw DwException.invalidArgument("a pipeline with a window needs an aggregate (count, sum, min, max, avg,"
          + " collect)");
    }
    if (analyze != null && (aggregate == null || !"collect".equals(aggregate.op()))) {
      throw DwException.invalidArgument("analyze needs aggregate {op: collect}: it analyses each window's batch");
    }
    allowedLateness = allowedLateness == null ? Duration.ZERO : allowedLateness;
    eventTime = eventTime == null ? new EventTime(null, Duration.ZERO, Duration.ZERO) : eventTime;
  }

  /**
   * Reads a spec from a JSON tree (YAML parses to the same), strictly: an unknown field is an
   * error naming it.
   */
  public static PipelineSpec parse(JsonNode tree, String what) {
    return Json.convert(DurationFields.normalize(tree, what), PipelineSpec.class, what);
  }

  /** Named specs from the {@code pipelines} config key ({@code {name: spec}}). */
  public static Map<String, PipelineSpec> parseAll(JsonNode tree, String what) {
    Map<String, PipelineSpec> out = new java.util.LinkedHashMap<>();
    if (tree == null || tree.isNull()) {
      return out;
    }
    if (!tree.isObject()) {
      throw DwException.invalidArgument(what + " must be a mapping of pipeline names to pipelines");
    }
    tree.properties().forEach(e -> out.put(e.getKey(), parse(e.getValue(), what + "." + e.getKey())));
    return out;
  }
}
