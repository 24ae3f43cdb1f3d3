package io.datawarehouse.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.saga.SagaDefinition;
import io.datawarehouse.streaming.saga.SagaEvent;
import io.datawarehouse.streaming.saga.SagaOrchestrator;
import io.datawarehouse.streaming.saga.SagaStatus;
import io.datawarehouse.streaming.spec.PipelineSpec;
import io.datawarehouse.streaming.spec.SpecPipelines;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming plugin: runs the pipelines declared in its configuration section ({@code
 * streaming.pipelines}) or started over the bus, and orchestrates sagas. Its bus topics and
 * payloads are documented in the module's README.
 *
 * <p>Data: {@code <dataDir>/streaming/pipelines/<name>/} (checkpoints, dead letters), {@code
 * logs/<name>/} (durable logs named by pipelines), {@code sagas/} (the saga log).
 */
public final class StreamingPlugin implements Plugin {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingPlugin.class);
  public static final String PIPELINE_START = "streaming.pipeline.start";
  public static final String PIPELINE_STOP = "streaming.pipeline.stop";
  public static final String PIPELINE_STATUS = "streaming.pipeline.status";
  public static final String SAGA_START = "streaming.saga.start";
  public static final String SAGA_STATUS = "streaming.saga.status";
  public static final String SAGA_RESUME = "streaming.saga.resume";
  public static final String EVENTS = "streaming.events";

  private PluginContext ctx;
  private Duration checkpointInterval;
  private Map<String, PipelineSpec> declared = Map.of();
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final List<Subscription> subscriptions = new ArrayList<>();
  private SagaOrchestrator sagas;

  private record Running(RunningPipeline run, SpecPipelines.Built built, List<Meter> meters) {}

  /** {@code streaming.pipeline.start}: a declared pipeline by name, or a new one with its spec. */
  public record StartRequest(String name, JsonNode spec) {}

  /** {@code streaming.pipeline.stop} and {@code .status} (status: name null for all). */
  public record NameRequest(String name) {}

  /** {@code streaming.saga.start} (durations in the definition may be written "5s"). */
  public record SagaStartRequest(JsonNode definition, JsonNode input) {
    SagaDefinition parsed() {
      if (definition == null) {
        throw DwException.invalidArgument(SAGA_START + " needs a definition");
      }
      return parseSaga(definition, SAGA_START + " definition");
    }
  }

  /** A saga definition from JSON or YAML, durations written as in dw.yaml ("5s") or ISO-8601. */
  public static SagaDefinition parseSaga(JsonNode tree, String what) {
    return Json.convert(io.datawarehouse.streaming.spec.DurationFields.normalize(tree, what), SagaDefinition.class,
        what);
  }

  /** {@code streaming.saga.status} (sagaId null: a summary of all) and {@code .resume}. */
  public record SagaRequest(String sagaId, String action) {}

  @Override
  public String id() {
    return "streaming";
  }

  @Override
  public String description() {
    return "stream pipelines with event-time windows, enrichment over the bus, sagas and stream analytics";
  }

  @Override
  public ConfigDef configDef() {
    return ConfigDef.builder()
        .json("pipelines", "pipelines to run at start: a mapping of names to pipeline specs (see the README)")
        .duration("checkpointInterval", "10s", "how often each pipeline checkpoints its state with its source offset")
        .build();
  }

  @Override
  public void start(PluginContext context) throws Exception {
    this.ctx = context;
    this.checkpointInterval = context.config().getDuration("checkpointInterval");
    this.declared = PipelineSpec.parseAll(context.config().getJson("pipelines"), "streaming.pipelines");
    this.sagas = SagaOrchestrator.open(context.bus(), context.dataDir().resolve("sagas"), context.time(),
        this::sagaEvent);
    var bus = context.bus();
    subscriptions.add(bus.subscribe(PIPELINE_START, MessageHandler.json(StartRequest.class, this::startRequest)));
    subscriptions.add(bus.subscribe(PIPELINE_STOP, MessageHandler.json(NameRequest.class, r -> stop(r.name()))));
    subscriptions.add(bus.subscribe(PIPELINE_STATUS, MessageHandler.json(NameRequest.class, r -> status(r.name()))));
    subscriptions.add(bus.subscribe(SAGA_START, MessageHandler.json(SagaStartRequest.class,
        r -> Map.of("sagaId", sagas.start(r.parsed(), r.input())))));
    subscriptions.add(bus.subscribe(SAGA_STATUS, MessageHandler.json(SagaRequest.class, this::sagaStatus)));
    subscriptions.add(bus.subscribe(SAGA_RESUME, MessageHandler.json(SagaRequest.class, r -> {
      SagaOrchestrator.ResumeAction a;
      try {
        a = SagaOrchestrator.ResumeAction.valueOf(String.valueOf(r.action()).toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw DwException.invalidArgument(SAGA_RESUME + ": action must be RETRY or SKIP, was '" + r.action() + "'");
      }
      sagas.resume(require(r.sagaId(), "sagaId"), a);
      return sagas.status(r.sagaId());
    })));
    for (Map.Entry<String, PipelineSpec> e : declared.entrySet()) {
      startPipeline(e.getKey(), e.getValue());
    }
  }

  private Object startRequest(StartRequest r) {
    String name = require(r.name(), "name");
    PipelineSpec spec = r.spec() != null ? PipelineSpec.parse(r.spec(), PIPELINE_START + " spec") : declared.get(name);
    if (spec == null) {
      throw DwException.notFound("no pipeline '" + name + "' is declared in streaming.pipelines (declared: "
          + declared.keySet() + "); send a spec to start a new one");
    }
    startPipeline(name, spec);
    return metricsJson(running.get(name).run().metrics());
  }

  private synchronized void startPipeline(String name, PipelineSpec spec) {
    Running old = running.get(name);
    if (old != null && !ended(old.run())) {
      throw DwException.of(ErrorCode.ALREADY_EXISTS, "pipeline '" + name + "' is already running");
    }
    if (old != null) {
      release(name, old);
    }
    SpecPipelines.Built built = SpecPipelines.build(name, spec, ctx.bus(), ctx.dataDir().resolve("logs"), ctx.time());
    RunningPipeline run;
    try {
      run = built.pipeline().start(RunOptions.defaults().withTime(ctx.time())
          .withStateDir(ctx.dataDir().resolve("pipelines").resolve(name)).withCheckpointInterval(checkpointInterval));
    } catch (RuntimeException e) {
      built.close();
      throw e;
    }
    running.put(name, new Running(run, built, registerMetrics(name, run)));
    publishEvent(Json.object().put("type", "pipeline.started").put("pipeline", name));
    Thread.ofVirtual().name("dw-stream-watch-" + name).start(() -> watch(name, run));
    LOG.info("pipeline '{}' started", name);
  }

  private void watch(String name, RunningPipeline run) {
    try {
      while (!run.await(Duration.ofSeconds(1))) {
        // keep waiting for the end of the run
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    ObjectNode ev = Json.object().put("type", "pipeline." + run.state().name().toLowerCase(java.util.Locale.ROOT))
        .put("pipeline", name);
    if (run.failure() != null) {
      ev.put("error", Health.describe(run.failure()));
    }
    try {
      publishEvent(ev);
    } catch (DwException e) {
      LOG.debug("cannot publish the end of pipeline '{}': {}", name, e.toString());
    }
  }

  private List<Meter> registerMetrics(String name, RunningPipeline run) {
    MeterRegistry reg = ctx.metrics();
    List<Meter> meters = new ArrayList<>();
    meters.add(FunctionCounter.builder(ctx.metricName("records.in"), run, r -> r.metrics().recordsIn())
        .tag("pipeline", name).description("records taken from the source").register(reg));
    meters.add(FunctionCounter.builder(ctx.metricName("records.out"), run, r -> r.metrics().recordsOut())
        .tag("pipeline", name).description("results written to the sinks").register(reg));
    meters.add(Gauge.builder(ctx.metricName("watermark.lag"), run, r -> r.metrics().watermarkLagMillis())
        .tag("pipeline", name).baseUnit("milliseconds").register(reg));
    meters.add(Gauge.builder(ctx.metricName("enrichments.inflight"), run, r -> r.metrics().enrichmentsInFlight())
        .tag("pipeline", name).register(reg));
    meters.add(Gauge.builder(ctx.metricName("enrichments.capacity"), run, r -> r.metrics().enrichmentCapacity())
        .tag("pipeline", name).register(reg));
    meters.add(FunctionCounter.builder(ctx.metricName("backpressure"), run, r -> r.metrics().backpressureMillis())
        .tag("pipeline", name).baseUnit("milliseconds").register(reg));
    for (DropReason reason : DropReason.values()) {
      meters.add(FunctionCounter.builder(ctx.metricName("drops"), run,
              r -> r.metrics().drops().getOrDefault(reason, 0L))
          .tags("pipeline", name, "reason", reason.name()).register(reg));
    }
    return meters;
  }

  private Object stop(String name) {
    Running r = running.get(require(name, "name"));
    if (r == null) {
      throw DwException.notFound("no pipeline '" + name + "' has been started; running: " + running.keySet());
    }
    try {
      if (!r.run().stop(Duration.ofSeconds(60))) {
        throw DwException.of(ErrorCode.TIMEOUT, "pipeline '" + name + "' did not stop within 60s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "interrupted stopping pipeline '" + name + "'", e);
    }
    ObjectNode m = metricsJson(r.run().metrics());
    release(name, r);
    running.remove(name);
    return m;
  }

  private void release(String name, Running r) {
    r.built().close();
    r.meters().forEach(ctx.metrics()::remove);
  }

  private Object status(String name) {
    if (name != null) {
      Running r = running.get(name);
      if (r == null) {
        throw DwException.notFound("no pipeline '" + name + "' has been started; running: " + running.keySet());
      }
      return metricsJson(r.run().metrics());
    }
    ObjectNode o = Json.object();
    ArrayNode a = o.putArray("pipelines");
    running.values().forEach(r -> a.add(metricsJson(r.run().metrics())));
    o.putArray("declared").addAll(declared.keySet().stream().map(n -> Json.mapper().getNodeFactory().textNode(n))
        .toList());
    return o;
  }

  private Object sagaStatus(SagaRequest r) {
    if (r.sagaId() != null) {
      return sagas.status(r.sagaId());
    }
    ObjectNode o = Json.object();
    ArrayNode a = o.putArray("sagas");
    for (String id : sagas.ids()) {
      SagaStatus s = sagas.status(id);
      a.addObject().put("sagaId", id).put("name", s.name()).put("state", s.state());
    }
    return o;
  }

  private void sagaEvent(SagaEvent e) {
    String type = switch (e.type()) {
      case COMPLETED -> "saga.completed";
      case COMPENSATED -> "saga.compensated";
      case PARKED -> "saga.parked";
      default -> null;
    };
    if (type != null && ctx != null) {
      ObjectNode ev = Json.object().put("type", type).put("sagaId", e.sagaId());
      if (e.step() != null) {
        ev.put("step", e.step());
      }
      if (e.error() != null) {
        ev.put("error", e.errorCode() + ": " + e.error());
      }
      try {
        publishEvent(ev);
      } catch (DwException ex) {
        LOG.debug("cannot publish saga event: {}", ex.toString());
      }
    }
  }

  private void publishEvent(ObjectNode ev) {
    ctx.bus().publish(Message.json(EVENTS, ev));
  }

  static ObjectNode metricsJson(PipelineMetrics m) {
    return Json.mapper().valueToTree(m);
  }

  private static boolean ended(RunningPipeline r) {
    return r.state() == RunningPipeline.State.FAILED || r.state() == RunningPipeline.State.FINISHED
        || r.state() == RunningPipeline.State.STOPPED;
  }

  private static <T> T require(T v, String what) {
    if (v == null) {
      throw DwException.invalidArgument("the request needs '" + what + "'");
    }
    return v;
  }

  @Override
  public void stop() {
    subscriptions.forEach(Subscription::unsubscribe);
    subscriptions.clear();
    for (Map.Entry<String, Running> e : new LinkedHashMap<>(running).entrySet()) {
      try {
        e.getValue().run().stop(Duration.ofSeconds(30));
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
      release(e.getKey(), e.getValue());
    }
    running.clear();
    if (sagas != null) {
      sagas.close();
    }
  }

  @Override
  public Health health() {
    if (ctx == null) {
      return Health.down("not started");
    }
    List<String> failed = new ArrayList<>();
    int live = 0;
    for (Map.Entry<String, Running> e : running.entrySet()) {
      RunningPipeline.State s = e.getValue().run().state();
      if (s == RunningPipeline.State.FAILED) {
        failed.add(e.getKey() + ": " + Health.describe(e.getValue().run().failure()));
      } else if (s == RunningPipeline.State.RUNNING) {
        live++;
      }
    }
    long parked = sagas.ids().stream().filter(id -> sagas.status(id).state().equals("PARKED")).count();
    Health h = failed.isEmpty() && parked == 0
        ? Health.up(live + " pipeline(s) running")
        : Health.degraded((failed.isEmpty() ? "" : failed.size() + " pipeline(s) failed; ")
            + (parked == 0 ? "" : parked + " saga(s) parked, waiting for resume"));
    return h.withDetail("running", live).withDetail("failed", failed).withDetail("parkedSagas", parked);
  }
}
