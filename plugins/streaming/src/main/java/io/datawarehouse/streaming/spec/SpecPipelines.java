package io.datawarehouse.streaming.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.Aggregation;
import io.datawarehouse.streaming.Aggregations;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.DeadLetter;
import io.datawarehouse.streaming.KeyedStream;
import io.datawarehouse.streaming.Pipeline;
import io.datawarehouse.streaming.Sink;
import io.datawarehouse.streaming.Source;
import io.datawarehouse.streaming.Stream;
import io.datawarehouse.streaming.WatermarkStrategy;
import io.datawarehouse.streaming.WindowResult;
import io.datawarehouse.streaming.WindowSpec;
import io.datawarehouse.streaming.analytics.StreamAnalytics;
import io.datawarehouse.streaming.bus.BusStreams;
import io.datawarehouse.streaming.enrich.BusLookups;
import io.datawarehouse.streaming.enrich.Enrichment;
import io.datawarehouse.streaming.log.DurableLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Builds a {@link Pipeline} from a {@link PipelineSpec}: JSON records in, JSON results out.
 * Logs named in the spec live in {@code <logsDir>/<name>} and are opened here; {@link Built#close}
 * closes them.
 */
public final class SpecPipelines {
  private static final Pattern LOG_NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

  private SpecPipelines() {}

  /** A pipeline and the logs it opened. */
  public record Built(Pipeline pipeline, List<DurableLog> logs) implements AutoCloseable {
    @Override
    public void close() {
      logs.forEach(DurableLog::close);
    }
  }

  /**
   * Builds {@code spec} as pipeline {@code name}.
   *
   * @throws DwException INVALID_ARGUMENT naming what is wrong in the spec
   */
  public static Built build(String name, PipelineSpec spec, MessageBus bus, Path logsDir, Time time) {
    List<DurableLog> logs = new ArrayList<>();
    try {
      return new Built(assemble(name, spec, bus, logsDir, logs, time), List.copyOf(logs));
    } catch (RuntimeException e) {
      logs.forEach(DurableLog::close);
      throw e;
    }
  }

  private static Pipeline assemble(String name, PipelineSpec spec, MessageBus bus, Path logsDir,
      List<DurableLog> logs, Time time) {
    Pipeline.Builder b = Pipeline.builder(name);
    b.deadLetters(deadLetters(name, bus, logsDir, logs));
    PipelineSpec.EventTime et = spec.eventTime();
    String tsField = et.field();
    WatermarkStrategy<JsonNode> wm = new WatermarkStrategy<JsonNode>(
        // without an event-time field, a record's time is when the task takes it from the source
        n -> tsField == null ? time.currentTimeMillis() : eventTime(n, tsField),
        orZero(et.maxOutOfOrderness()), orZero(et.idleTimeout()));
    Stream<JsonNode> s = b.source(source(name, spec.source(), bus, logsDir, logs), wm);
    if (spec.filter() != null) {
      String field = require(spec.filter().field(), "filter.field");
      String equals = spec.filter().equals();
      s = s.filter(n -> {
        JsonNode v = at(n, field);
        return !v.isMissingNode() && v.asText().equals(equals);
      });
    }
    if (spec.enrich() != null) {
      s = enrich(s, spec.enrich(), bus);
    }
    if (spec.window() == null) {
      s.to(sink(name, spec.sink(), bus, logsDir, logs));
      return b.build();
    }
    String keyField = spec.keyBy();
    KeyedStream<String, JsonNode> keyed = s.keyBy(n -> keyField == null ? "" : text(at(n, keyField), keyField));
    var windowed = keyed.window(window(spec.window())).allowedLateness(spec.allowedLateness());
    PipelineSpec.Aggregate agg = spec.aggregate();
    if ("collect".equals(agg.op())) {
      Stream<WindowResult<String, List<JsonNode>>> batches = windowed.aggregate(Aggregations.collect(Codec.json(
          JsonNode.class)));
      if (spec.analyze() != null) {
        PipelineSpec.Analyze a = spec.analyze();
        StreamAnalytics.analyze(batches, bus, name, require(a.model(), "analyze.model"),
                a.threshold() == null ? 3.0 : a.threshold(), a.timeout() == null ? Duration.ofSeconds(10) : a.timeout())
            .<JsonNode>map(x -> Json.mapper().valueToTree(x))
            .to(sink(name, spec.sink(), bus, logsDir, logs));
      } else {
        batches.map(SpecPipelines::windowJson).to(sink(name, spec.sink(), bus, logsDir, logs));
      }
    } else {
      windowed.aggregate(aggregation(agg)).map(SpecPipelines::windowJson)
          .to(sink(name, spec.sink(), bus, logsDir, logs));
    }
    return b.build();
  }

  private static JsonNode windowJson(WindowResult<String, ?> r) {
    ObjectNode o = Json.object();
    o.put("key", r.key()).put("start", r.start()).put("end", r.end()).put("update", r.update());
    o.set("value", Json.mapper().valueToTree(r.value()));
    return o;
  }

  private static Aggregation<JsonNode, ?, ?> aggregation(PipelineSpec.Aggregate a) {
    String op = a.op() == null ? "" : a.op().toLowerCase(Locale.ROOT);
    if (op.equals("count")) {
      return Aggregations.count();
    }
    String field = require(a.field(), "aggregate.field (for " + op + ")");
    java.util.function.ToDoubleFunction<JsonNode> f = n -> number(at(n, field), field);
    return switch (op) {
      case "sum" -> Aggregations.sum(f);
      case "min" -> Aggregations.min(f);
      case "max" -> Aggregations.max(f);
      case "avg", "average" -> Aggregations.average(f);
      default -> throw DwException.invalidArgument("aggregate.op '" + a.op() + "' is not one of count, sum, min, max,"
          + " avg, collect");
    };
  }

  private static WindowSpec window(PipelineSpec.Window w) {
    String type = w.type() == null ? "" : w.type().toLowerCase(Locale.ROOT);
    return switch (type) {
      case "tumbling" -> WindowSpec.tumbling(require(w.size(), "window.size"));
      case "sliding" -> WindowSpec.sliding(require(w.size(), "window.size"), require(w.slide(), "window.slide"));
      case "session" -> WindowSpec.session(require(w.gap(), "window.gap"));
      default -> throw DwException.invalidArgument("window.type '" + w.type() + "' is not one of tumbling, sliding,"
          + " session");
    };
  }

  private static Stream<JsonNode> enrich(Stream<JsonNode> s, PipelineSpec.Enrich e, MessageBus bus) {
    String topic = require(e.topic(), "enrich.topic");
    String as = require(e.as(), "enrich.as");
    JsonNode template = e.request() == null ? Json.object() : e.request();
    Enrichment<JsonNode, JsonNode, JsonNode> en = Enrichment.of(
        BusLookups.request(bus, topic, (JsonNode n) -> fill(template, n)),
        (JsonNode n, JsonNode reply) -> {
          ObjectNode copy = n.deepCopy();
          copy.set(as, reply == null ? Json.mapper().nullNode() : reply);
          return (JsonNode) copy;
        });
    if (e.capacity() != null) {
      en = en.capacity(e.capacity());
    }
    if (e.ordered() != null) {
      en = en.ordered(e.ordered());
    }
    if (e.timeout() != null) {
      en = en.timeouts(e.timeout(), e.timeout());
    }
    if (e.maxAttempts() != null) {
      en = en.retries(e.maxAttempts(), en.backoffInitial(), en.backoffMax(), en.jitter());
    }
    if (e.cacheTtl() != null || e.negativeTtl() != null) {
      en = en.cache(n -> fill(template, n).toString(), orZero(e.cacheTtl()), orZero(e.negativeTtl()), 10_000);
    }
    return s.enrich(en);
  }

  /** {@code template} with every string "$.path" replaced by the record's field. */
  static JsonNode fill(JsonNode template, JsonNode record) {
    if (template.isTextual() && template.asText().startsWith("$.")) {
      return at(record, template.asText().substring(2)).deepCopy();
    }
    if (template.isObject()) {
      ObjectNode o = Json.object();
      template.properties().forEach(p -> o.set(p.getKey(), fill(p.getValue(), record)));
      return o;
    }
    if (template.isArray()) {
      var a = Json.mapper().createArrayNode();
      template.forEach(x -> a.add(fill(x, record)));
      return a;
    }
    return template;
  }

  private static Source<JsonNode> source(String name, PipelineSpec.Endpoint e, MessageBus bus, Path logsDir,
      List<DurableLog> logs) {
    Codec<JsonNode> codec = objects();
    if (e.topic() != null && e.log() == null && e.store() == null) {
      return BusStreams.subscribe(bus, e.topic(), codec, 10_000, Duration.ofSeconds(30));
    }
    if (e.log() != null && e.topic() == null && e.store() == null) {
      return openLog(e.log(), logsDir, logs).source(codec, e.follow() == null || e.follow());
    }
    throw DwException.invalidArgument("pipeline '" + name + "': source must have exactly one of topic or log");
  }

  private static Sink<JsonNode> sink(String name, PipelineSpec.Endpoint e, MessageBus bus, Path logsDir,
      List<DurableLog> logs) {
    int set = (e.topic() != null ? 1 : 0) + (e.log() != null ? 1 : 0) + (e.store() != null ? 1 : 0);
    if (set != 1) {
      throw DwException.invalidArgument("pipeline '" + name + "': sink must have exactly one of topic, log or store");
    }
    if (e.topic() != null) {
      return BusStreams.publish(bus, e.topic(), n -> n);
    }
    if (e.log() != null) {
      return openLog(e.log(), logsDir, logs).sink(Codec.json(JsonNode.class));
    }
    String keyPath = require(e.key(), "sink.key (for a store sink)");
    JsonNode keyTemplate = Json.mapper().getNodeFactory().textNode(keyPath);
    return BusStreams.storageWrite(bus, e.store(), n -> {
      JsonNode k = fill(keyTemplate, n);
      return k.isTextual() ? k.asText() : k.toString();
    }, n -> n.toString().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
  }

  /** The dead-letter topic of a spec pipeline. */
  public static String deadLetterTopic(String pipeline) {
    return "streaming.deadletters." + pipeline;
  }

  /**
   * Dead letters of a spec pipeline: kept in the durable log {@code <logsDir>/<name>-deadletters}
   * (exactly-once with the checkpoints) and published on {@code streaming.deadletters.<name>}.
   */
  private static Sink<DeadLetter> deadLetters(String name, MessageBus bus, Path logsDir, List<DurableLog> logs) {
    Sink<DeadLetter> kept = openLog(name + "-deadletters", logsDir, logs).sink(Codec.json(DeadLetter.class));
    String topic = deadLetterTopic(name);
    return new Sink<>() {
      @Override
      public void write(DeadLetter d, long timestamp) throws Exception {
        kept.write(d, timestamp);
        bus.publish(io.datawarehouse.sdk.bus.Message.json(topic, d));
      }

      @Override
      public void flush() throws Exception {
        kept.flush();
      }

      @Override
      public long position() {
        return kept.position();
      }

      @Override
      public void rewind(long position) throws Exception {
        kept.rewind(position);
      }
    };
  }

  private static DurableLog openLog(String logName, Path logsDir, List<DurableLog> logs) {
    if (logName == null || !LOG_NAME.matcher(logName).matches()) {
      throw DwException.invalidArgument("log name must be lower-case letters, digits and '-', was '" + logName + "'");
    }
    DurableLog log = DurableLog.open(logsDir.resolve(logName));
    logs.add(log);
    return log;
  }

  /** JSON records, which must be objects. */
  private static Codec<JsonNode> objects() {
    Codec<JsonNode> json = Codec.json(JsonNode.class);
    return new Codec<>() {
      @Override
      public byte[] encode(JsonNode value) {
        return json.encode(value);
      }

      @Override
      public JsonNode decode(byte[] bytes) {
        JsonNode n = json.decode(bytes);
        if (!n.isObject()) {
          throw DwException.invalidArgument("a record must be a JSON object, was " + n.getNodeType());
        }
        return n;
      }
    };
  }

  static JsonNode at(JsonNode n, String path) {
    JsonNode cur = n;
    for (String p : path.split("\\.")) {
      cur = cur.path(p);
    }
    return cur;
  }

  private static long eventTime(JsonNode n, String field) {
    JsonNode v = at(n, field);
    if (v.isNumber()) {
      return v.asLong();
    }
    if (v.isTextual()) {
      try {
        return Instant.parse(v.asText()).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw DwException.invalidArgument("field '" + field + "' is not a time: '" + v.asText() + "'");
      }
    }
    throw DwException.invalidArgument("the record has no time in field '" + field + "'");
  }

  private static double number(JsonNode v, String field) {
    if (!v.isNumber()) {
      throw DwException.invalidArgument("field '" + field + "' is not a number: " + v);
    }
    return v.asDouble();
  }

  private static String text(JsonNode v, String field) {
    if (v.isMissingNode() || v.isNull()) {
      throw DwException.invalidArgument("the record has no key field '" + field + "'");
    }
    return v.asText();
  }

  private static <T> T require(T v, String what) {
    if (v == null) {
      throw DwException.invalidArgument("the pipeline spec needs " + what);
    }
    return v;
  }

  private static Duration orZero(Duration d) {
    return d == null ? Duration.ZERO : d;
  }
}
