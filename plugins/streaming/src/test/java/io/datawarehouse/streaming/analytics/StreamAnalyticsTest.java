package io.datawarehouse.streaming.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.Aggregations;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.DeadLetter;
import io.datawarehouse.streaming.DropReason;
import io.datawarehouse.streaming.Event;
import io.datawarehouse.streaming.Pipeline;
import io.datawarehouse.streaming.RunOptions;
import io.datawarehouse.streaming.RunningPipeline;
import io.datawarehouse.streaming.Sinks;
import io.datawarehouse.streaming.Sources;
import io.datawarehouse.streaming.WatermarkStrategy;
import io.datawarehouse.streaming.WindowSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Window batches go to {@code intelligence.analyze.stream} (a responder here computing |z-scores|,
 * standing in for the intelligence plugin); anomalies appear on {@code streaming.events}.
 */
class StreamAnalyticsTest {
  private final InProcessMessageBus bus = new InProcessMessageBus();

  @AfterEach
  void close() {
    bus.close();
  }

  private void zScoreResponder(boolean wrongCount) {
    bus.subscribe(StreamAnalytics.ANALYZE_TOPIC, m -> {
      JsonNode req = m.jsonTree();
      JsonNode events = req.get("events");
      double[] v = new double[events.size()];
      double mean = 0;
      for (int i = 0; i < v.length; i++) {
        v[i] = events.get(i).get("value").asDouble();
        mean += v[i] / v.length;
      }
      double var = 0;
      for (double x : v) {
        var += (x - mean) * (x - mean) / v.length;
      }
      double sd = Math.sqrt(var);
      ArrayNode scores = Json.mapper().createArrayNode();
      for (int i = 0; i < v.length - (wrongCount ? 1 : 0); i++) {
        scores.add(sd == 0 ? 0 : Math.abs(v[i] - mean) / sd);
      }
      var reply = Json.object();
      reply.set("scores", scores);
      reply.putObject("statistics").put("mean", mean).put("stddev", sd);
      return Message.replyTo(m).json(reply).build();
    });
  }

  private RunningPipeline run(List<Event> events, Sinks.Collecting<StreamAnalytics.Analysis> out,
      Sinks.Collecting<DeadLetter> dead) {
    Pipeline.Builder b = Pipeline.builder("sensors");
    var batches = b.source(Sources.of(events), WatermarkStrategy.inOrder(Event::ts))
        .keyBy(Event::key).window(WindowSpec.tumbling(Duration.ofMillis(100)))
        .aggregate(Aggregations.collect(Codec.json(Event.class)));
    StreamAnalytics.analyze(batches, bus, "sensors", "zscore", 2.5, Duration.ofSeconds(5)).to(out);
    return b.deadLetters(dead).build().start(RunOptions.defaults());
  }

  @Test
  void windowBatches_analysed_anomaliesPublished() throws Exception {
    zScoreResponder(false);
    List<JsonNode> anomalies = new CopyOnWriteArrayList<>();
    bus.subscribe(StreamAnalytics.EVENTS_TOPIC, MessageHandler.listener(m -> anomalies.add(m.jsonTree())));
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      events.add(new Event("s1", i, i == 13 ? 500 : 10 + (i % 3), i));
    }
    events.add(new Event("s1", 150, 10, 99)); // a second window without outliers
    Sinks.Collecting<StreamAnalytics.Analysis> out = Sinks.collecting();
    Sinks.Collecting<DeadLetter> dead = Sinks.collecting();
    RunningPipeline r = run(events, out, dead);
    assertThat(r.await(Duration.ofMinutes(1))).isTrue();
    assertThat(r.state()).isEqualTo(RunningPipeline.State.FINISHED);
    assertThat(out.items()).hasSize(2);
    StreamAnalytics.Analysis first = out.items().get(0);
    assertThat(first.windowStart()).isZero();
    assertThat(first.scores()).hasSize(20);
    assertThat(first.anomalies()).containsExactly(13);
    assertThat(first.statistics().get("mean").asDouble()).isGreaterThan(10);
    await().until(() -> anomalies.size() == 1);
    JsonNode a = anomalies.get(0);
    assertThat(a.get("type").asText()).isEqualTo("anomaly");
    assertThat(a.get("pipeline").asText()).isEqualTo("sensors");
    assertThat(a.get("event").get("id").asInt()).isEqualTo(13);
    assertThat(a.get("score").asDouble()).isGreaterThanOrEqualTo(2.5);
    assertThat(dead.items()).isEmpty();
  }

  @Test
  void replyWithoutOneScorePerEvent_batchIsAnalysisFailedDeadLetter() throws Exception {
    zScoreResponder(true);
    Sinks.Collecting<StreamAnalytics.Analysis> out = Sinks.collecting();
    Sinks.Collecting<DeadLetter> dead = Sinks.collecting();
    RunningPipeline r = run(List.of(Event.of("s", 1, 1), Event.of("s", 2, 2)), out, dead);
    assertThat(r.await(Duration.ofMinutes(1))).isTrue();
    assertThat(out.items()).isEmpty();
    assertThat(dead.items()).singleElement().satisfies(d -> {
      assertThat(d.reason()).isEqualTo(DropReason.ANALYSIS_FAILED);
      assertThat(d.detail()).contains("expected 2 scores, got 1");
    });
  }
}
