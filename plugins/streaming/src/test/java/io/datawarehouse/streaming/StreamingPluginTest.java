package io.datawarehouse.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.saga.SagaParticipant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin started by the kernel: declared pipelines, the pipeline and saga topics, events. */
class StreamingPluginTest {
  @TempDir
  Path tmp;

  private Kernel kernel;

  @AfterEach
  void stop() {
    if (kernel != null) {
      kernel.close();
    }
  }

  private MessageBus start(String yaml) throws Exception {
    Path cfg = tmp.resolve("dw.yaml");
    Files.writeString(cfg, yaml);
    kernel = Kernel.builder().configFile(cfg).dataDir(tmp.resolve("data")).plugins(List.of(new StreamingPlugin()))
        .build();
    kernel.start();
    assertThat(kernel.pluginState("streaming")).isEqualTo(Kernel.PluginState.RUNNING);
    return kernel.bus();
  }

  private static JsonNode request(MessageBus bus, String topic, Object body) {
    return bus.requestSync(Message.json(topic, body), Duration.ofSeconds(30)).jsonTree();
  }

  @Test
  void declaredPipeline_runsFromConfig_andTopicsControlIt() throws Exception {
    MessageBus bus = start("""
        streaming:
          checkpointInterval: 1s
          pipelines:
            clicks:
              source: { topic: clicks.in }
              eventTime: { field: ts, maxOutOfOrderness: 10ms }
              keyBy: user
              window: { type: tumbling, size: 100ms }
              aggregate: { op: count }
              sink: { topic: clicks.counts }
        """);
    List<JsonNode> counts = new CopyOnWriteArrayList<>();
    List<JsonNode> events = new CopyOnWriteArrayList<>();
    bus.subscribe("clicks.counts", MessageHandler.listener(m -> counts.add(m.jsonTree())));
    bus.subscribe(StreamingPlugin.EVENTS, MessageHandler.listener(m -> events.add(m.jsonTree())));
    List<JsonNode> dead = new CopyOnWriteArrayList<>();
    bus.subscribe("streaming.deadletters.clicks", MessageHandler.listener(m -> dead.add(m.jsonTree())));
    await().until(() -> request(bus, StreamingPlugin.PIPELINE_STATUS, Map.of("name", "clicks")).get("state")
        .asText().equals("RUNNING"));
    for (int i = 0; i < 5; i++) {
      bus.publish(Message.json("clicks.in", Map.of("user", i % 2 == 0 ? "ann" : "bob", "ts", 10 + i)));
    }
    bus.publish(Message.json("clicks.in", Map.of("user", "ann", "ts", 500))); // closes the first window
    bus.publish(Message.text("clicks.in", "not json"));
    await().until(() -> counts.size() == 2);
    assertThat(counts).extracting(n -> n.get("key").asText() + "=" + n.get("value").asLong())
        .containsExactlyInAnyOrder("ann=3", "bob=2");
    assertThat(counts.get(0).get("start").asLong()).isZero();
    await().until(() -> request(bus, StreamingPlugin.PIPELINE_STATUS, Map.of("name", "clicks")).get("drops")
        .path("BAD_PAYLOAD").asLong() == 1);
    await().until(() -> dead.size() == 1);
    var registry = kernel.metrics();
    assertThat(registry.find("dw.streaming.records.in").tag("pipeline", "clicks").functionCounter().count())
        .isEqualTo(7.0);
    assertThat(registry.find("dw.streaming.drops").tags("pipeline", "clicks", "reason", "BAD_PAYLOAD")
        .functionCounter().count()).isEqualTo(1.0);
    assertThat(registry.find("dw.streaming.watermark.lag").tag("pipeline", "clicks").gauge()).isNotNull();
    assertThat(dead.get(0).get("reason").asText()).isEqualTo("BAD_PAYLOAD");
    assertThat(dead.get(0).get("record").asText()).isEqualTo("not json");
    assertThat(Files.exists(tmp.resolve("data/streaming/logs/clicks-deadletters"))).isTrue();

    JsonNode all = request(bus, StreamingPlugin.PIPELINE_STATUS, Map.of());
    assertThat(all.get("declared").get(0).asText()).isEqualTo("clicks");
    assertThatThrownBy(() -> request(bus, StreamingPlugin.PIPELINE_START, Map.of("name", "clicks")))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.ALREADY_EXISTS));

    JsonNode stopped = request(bus, StreamingPlugin.PIPELINE_STOP, Map.of("name", "clicks"));
    assertThat(stopped.get("state").asText()).isEqualTo("STOPPED");
    assertThat(stopped.get("recordsIn").asLong()).isEqualTo(7);
    await().until(() -> events.stream().anyMatch(e -> e.get("type").asText().equals("pipeline.stopped")));
    assertThat(Files.exists(tmp.resolve("data/streaming/pipelines/clicks/checkpoint"))).isTrue();

    // started again from the declaration: it resumes from its checkpoint
    JsonNode restarted = request(bus, StreamingPlugin.PIPELINE_START, Map.of("name", "clicks"));
    assertThat(restarted.get("pipeline").asText()).isEqualTo("clicks");
    assertThatThrownBy(() -> request(bus, StreamingPlugin.PIPELINE_STOP, Map.of("name", "nope")))
        .isInstanceOf(DwException.class).hasMessageContaining("no pipeline 'nope'");
  }

  @Test
  void pipelineStartedOverTheBus_withEnrichmentAndLogSink() throws Exception {
    MessageBus bus = start("streaming: {}\n");
    bus.subscribe("storage.query", m -> {
      String id = m.jsonTree().get("params").get(0).asText();
      return Message.replyTo(m).json(Map.of("tier", id.equals("1") ? "gold" : "basic")).build();
    });
    List<JsonNode> out = new CopyOnWriteArrayList<>();
    bus.subscribe("orders.enriched", MessageHandler.listener(m -> out.add(m.jsonTree())));
    JsonNode spec = Json.tree("""
        {"source": {"topic": "orders.in"},
         "filter": {"field": "kind", "equals": "order"},
         "enrich": {"topic": "storage.query", "as": "customer", "cacheTtl": "PT1M",
                    "request": {"source": "crm", "sql": "SELECT tier FROM customers WHERE id = ?", "params": ["$.customer"]}},
         "sink": {"topic": "orders.enriched"}}""".getBytes(java.nio.charset.StandardCharsets.UTF_8), "spec");
    JsonNode started = request(bus, StreamingPlugin.PIPELINE_START, Map.of("name", "orders", "spec", spec));
    assertThat(started.get("pipeline").asText()).isEqualTo("orders");
    await().until(() -> request(bus, StreamingPlugin.PIPELINE_STATUS, Map.of("name", "orders")).get("state")
        .asText().equals("RUNNING"));
    bus.publish(Message.json("orders.in", Map.of("kind", "order", "customer", 1)));
    bus.publish(Message.json("orders.in", Map.of("kind", "refund", "customer", 2)));
    bus.publish(Message.json("orders.in", Map.of("kind", "order", "customer", 2)));
    await().until(() -> out.size() == 2);
    assertThat(out).extracting(n -> n.get("customer").get("tier").asText()).containsExactly("gold", "basic");

    assertThatThrownBy(() -> request(bus, StreamingPlugin.PIPELINE_START, Map.of("name", "bad",
        "spec", Map.of("source", Map.of("topic", "x"), "sink", Map.of("topic", "y"), "window",
            Map.of("type", "hopping", "size", "PT1S"), "aggregate", Map.of("op", "count")))))
        .isInstanceOf(DwException.class).hasMessageContaining("hopping");
  }

  @Test
  void sagaTopics_startStatusResume_andEvents() throws Exception {
    MessageBus bus = start("streaming: {}\n");
    List<JsonNode> events = new CopyOnWriteArrayList<>();
    bus.subscribe(StreamingPlugin.EVENTS, MessageHandler.listener(m -> events.add(m.jsonTree())));
    try (SagaParticipant reserve = SagaParticipant.register(bus, "reserve",
            r -> Json.object().put("reservation", "r-" + r.get("input").get("order").asInt()),
            r -> Json.object().put("released", true), tmp.resolve("p-reserve"));
        SagaParticipant charge = SagaParticipant.register(bus, "charge", r -> {
          if (r.get("input").get("amount").asInt() > 100) {
            throw DwException.invalidArgument("amount over the limit");
          }
          return Json.object().put("charged", true);
        }, null, tmp.resolve("p-charge"))) {
      Map<String, Object> def = Map.of("name", "order", "steps", List.of(
          Map.of("id", "reserve", "action", "reserve", "compensation", "release"),
          Map.of("id", "charge", "action", "charge")));
      String ok = request(bus, StreamingPlugin.SAGA_START, Map.of("definition", def,
          "input", Map.of("order", 7, "amount", 10))).get("sagaId").asText();
      String refused = request(bus, StreamingPlugin.SAGA_START, Map.of("definition", def,
          "input", Map.of("order", 8, "amount", 500))).get("sagaId").asText();
      await().until(() -> request(bus, StreamingPlugin.SAGA_STATUS, Map.of("sagaId", ok)).get("state").asText()
          .equals("COMPLETED"));
      await().until(() -> request(bus, StreamingPlugin.SAGA_STATUS, Map.of("sagaId", refused)).get("state").asText()
          .equals("COMPENSATED"));
      JsonNode status = request(bus, StreamingPlugin.SAGA_STATUS, Map.of("sagaId", ok));
      assertThat(status.get("results").get("reserve").get("reservation").asText()).isEqualTo("r-7");
      assertThat(status.get("timeline").size()).isEqualTo(6);
      assertThat(request(bus, StreamingPlugin.SAGA_STATUS, Map.of()).get("sagas").size()).isEqualTo(2);
      await().until(() -> events.stream().filter(e -> e.get("type").asText().startsWith("saga.")).count() == 2);
      assertThatThrownBy(() -> request(bus, StreamingPlugin.SAGA_RESUME, Map.of("sagaId", ok, "action", "RETRY")))
          .hasMessageContaining("not PARKED");
      assertThatThrownBy(() -> request(bus, StreamingPlugin.SAGA_RESUME, Map.of("sagaId", ok, "action", "JUMP")))
          .hasMessageContaining("RETRY or SKIP");
      assertThat(reserve.answered()).as("two reservations, one release").isEqualTo(3);
      assertThat(charge.answered()).isEqualTo(2);
    }
    assertThat(kernel.plugin("streaming").health().status()).isEqualTo(Health.Status.UP);
  }
}
