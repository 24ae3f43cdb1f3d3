package io.datawarehouse.streaming.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.DeadLetter;
import io.datawarehouse.streaming.Event;
import io.datawarehouse.streaming.Pipeline;
import io.datawarehouse.streaming.RunOptions;
import io.datawarehouse.streaming.RunningPipeline;
import io.datawarehouse.streaming.Sinks;
import io.datawarehouse.streaming.WatermarkStrategy;
import io.datawarehouse.streaming.bus.BusStreams;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Enrichment over the in-process bus against a {@code storage.query} responder registered here
 * (standing in for the storage plugin), with a bus source, a bus sink and a storage.write sink.
 */
class BusEnrichmentTest {
  private final InProcessMessageBus bus = new InProcessMessageBus();

  @AfterEach
  void close() {
    bus.close();
  }

  record Enriched(String key, long ts, String tier) {}

  @Test
  void busSource_storageQueryEnrichment_busSink_endToEnd() throws Exception {
    AtomicInteger queries = new AtomicInteger();
    bus.subscribe("storage.query", m -> {
      queries.incrementAndGet();
      JsonNode q = m.jsonTree();
      assertThat(q.get("source").asText()).isEqualTo("customers");
      assertThat(q.get("sql").asText()).contains("where id = ?");
      String id = q.get("params").get(0).asText();
      if (id.equals("nobody")) {
        throw DwException.notFound("no customer " + id);
      }
      return Message.replyTo(m).json(Map.of("rows", List.of(Map.of("tier", id.equals("c1") ? "gold" : "silver"))))
          .build();
    });
    List<Enriched> received = new CopyOnWriteArrayList<>();
    bus.subscribe("orders.enriched", MessageHandler.listener(m -> received.add(m.json(Enriched.class))));
    List<String> stored = new CopyOnWriteArrayList<>();
    bus.subscribe("storage.write", m -> {
      JsonNode w = m.jsonTree();
      stored.add(w.get("store").asText() + "/" + w.get("key").asText() + "="
          + new String(java.util.Base64.getDecoder().decode(w.get("contentBase64").asText()), StandardCharsets.UTF_8));
      return Message.replyTo(m).json(Map.of("ok", true)).build();
    });

    Sinks.Collecting<DeadLetter> dead = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("orders");
    var enriched = b.source(BusStreams.subscribe(bus, "orders.in", Codec.json(Event.class), 64, Duration.ofSeconds(5)),
            WatermarkStrategy.inOrder(Event::ts))
        .enrich(Enrichment.of(BusLookups.storageQuery(bus, "customers", "select tier from customers where id = ?",
                (Event e) -> List.of(e.key())),
            (Event e, JsonNode row) -> new Enriched(e.key(), e.ts(),
                row == null ? null : row.get("rows").get(0).get("tier").asText()))
            .cache(Event::key, Duration.ofMinutes(1), Duration.ofMinutes(1), 1000));
    enriched.to(BusStreams.publish(bus, "orders.enriched", e -> e));
    enriched.to(BusStreams.storageWrite(bus, "enriched", e -> e.key() + "-" + e.ts(),
        e -> Json.toBytes(e.tier() == null ? "none" : e.tier()), Duration.ofSeconds(5)));
    RunningPipeline r = b.deadLetters(dead).build().start(RunOptions.defaults().withPollWait(Duration.ofMillis(10)));
    await().until(() -> r.state() == RunningPipeline.State.RUNNING);

    bus.publish(Message.json("orders.in", Event.of("c1", 1)));
    bus.publish(Message.json("orders.in", Event.of("c2", 2)));
    bus.publish(Message.json("orders.in", Event.of("nobody", 3)));
    await().until(() -> received.size() == 3); // c1's answer is cached now
    bus.publish(Message.json("orders.in", Event.of("c1", 4)));
    bus.publish(Message.text("orders.in", "{broken"));
    await().until(() -> received.size() == 4 && dead.items().size() == 1);
    assertThat(received).containsExactly(new Enriched("c1", 1, "gold"), new Enriched("c2", 2, "silver"),
        new Enriched("nobody", 3, null), new Enriched("c1", 4, "gold"));
    assertThat(queries.get()).as("c1 the second time came from the cache").isEqualTo(3);
    assertThat(stored).containsExactly("enriched/c1-1=\"gold\"", "enriched/c2-2=\"silver\"",
        "enriched/nobody-3=\"none\"", "enriched/c1-4=\"gold\"");
    assertThat(dead.items().get(0).reason()).isEqualTo(io.datawarehouse.streaming.DropReason.BAD_PAYLOAD);
    assertThat(r.stop(Duration.ofSeconds(30))).isTrue();
  }

  @Test
  void noResponder_retriedThenDeadLetter() throws Exception {
    Sinks.Collecting<DeadLetter> dead = Sinks.collecting();
    Sinks.Collecting<Object> out = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("no-responder");
    b.source(io.datawarehouse.streaming.Sources.of(List.of(Event.of("x", 1))), WatermarkStrategy.inOrder(Event::ts))
        .enrich(Enrichment.of(BusLookups.infer(bus, "churn", (Event e) -> Map.of("key", e.key())),
            (Event e, JsonNode p) -> p).retries(3, Duration.ofMillis(1), Duration.ofMillis(5), 0.5))
        .to(out);
    RunningPipeline r = b.deadLetters(dead).build().start(RunOptions.defaults());
    assertThat(r.await(Duration.ofMinutes(1))).isTrue();
    assertThat(out.items()).isEmpty();
    assertThat(dead.items()).singleElement().satisfies(d -> {
      assertThat(d.reason()).isEqualTo(io.datawarehouse.streaming.DropReason.ENRICHMENT_FAILED);
      assertThat(d.attempts()).isEqualTo(3);
      assertThat(d.detail()).contains("NO_RESPONDERS");
    });
  }
}
