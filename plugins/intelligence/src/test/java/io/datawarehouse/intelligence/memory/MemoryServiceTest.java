package io.datawarehouse.intelligence.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.testkit.ManualTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code intelligence.memory.*} topics over the in-process bus, on the default (RocksDB) backend. */
class MemoryServiceTest {
  private static final Duration T = Duration.ofSeconds(30);
  @TempDir Path dir;
  private final InProcessMessageBus bus = new InProcessMessageBus();
  private final ManualTime time = new ManualTime();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private MemoryService service;

  @BeforeEach
  void start() {
    Config c = MemoryService.configDef().parse("intelligence.persistence", null);
    service = MemoryService.open(new MemoryTestContext(bus, c, dir, time, scheduler), c);
    service.subscribe(bus);
  }

  @AfterEach
  void stop() {
    service.close();
    bus.close();
    scheduler.shutdownNow();
  }

  private JsonNode request(String topic, String json) {
    return bus.requestSync(Message.builder(topic).payload(json.getBytes(StandardCharsets.UTF_8)).contentType(Message.JSON).build(), T)
        .jsonTree();
  }

  private static ErrorCode code(Throwable e) {
    return ((DwException) e).code();
  }

  @Test
  void putGetQueryDeleteStats_overTheBus() {
    JsonNode put = request(MemoryMessages.PUT, """
        {"records":[
          {"id":"m1","content":"the user prefers dark mode","tier":"long-term","scope":"agent-7","tags":["pref","ui"],
           "importance":0.9,"metadata":{"source":"chat","turn":12}},
          {"id":"m2","contentBase64":"AAEC/w==","contentType":"application/octet-stream","scope":"agent-7","ttl":"1h"},
          {"id":"m3","content":"scratch","tier":"working","scope":"agent-8"}]}""");
    assertThat(put.get("records")).hasSize(3);
    assertThat(put.get("records").get(0).get("version").asLong()).isEqualTo(1);
    assertThat(put.get("records").get(0).get("contentHash").asText()).hasSize(64);

    JsonNode got = request(MemoryMessages.GET, "{\"ids\":[\"m1\",\"m2\",\"nope\"],\"touch\":true}");
    assertThat(got.get("records")).hasSize(2);
    assertThat(got.get("records").get(0).get("content").asText()).isEqualTo("the user prefers dark mode");
    assertThat(got.get("records").get(0).get("accessCount").asLong()).isEqualTo(1);
    assertThat(got.get("records").get(0).get("metadata").get("turn").asInt()).isEqualTo(12);
    assertThat(got.get("records").get(1).get("contentBase64").asText()).isEqualTo("AAEC/w==");
    assertThat(got.get("missing")).hasSize(1);

    JsonNode q = request(MemoryMessages.QUERY, """
        {"scopes":["agent-7"],"sort":"importance","direction":"desc","limit":1}""");
    assertThat(q.get("records")).hasSize(1);
    assertThat(q.get("records").get(0).get("id").asText()).isEqualTo("m1");
    assertThat(q.get("total").asLong()).isEqualTo(2);
    assertThat(q.get("truncated").asBoolean()).isFalse();

    JsonNode byMeta = request(MemoryMessages.QUERY, "{\"metadata\":{\"turn\":12.0},\"tagsAll\":[\"pref\",\"ui\"]}");
    assertThat(byMeta.get("total").asLong()).isEqualTo(1);

    time.advance(Duration.ofHours(2)); // m2's ttl passes
    assertThat(request(MemoryMessages.QUERY, "{\"scopes\":[\"agent-7\"]}").get("total").asLong()).isEqualTo(1);
    assertThat(service.sweepOnce()).isEqualTo(1);

    assertThat(request(MemoryMessages.DELETE, "{\"ids\":[\"m3\",\"m2\"]}").get("deleted").asInt()).isEqualTo(1);
    JsonNode stats = request(MemoryMessages.STATS, "");
    assertThat(stats.get("backend").asText()).isEqualTo("rocksdb");
    assertThat(stats.get("status").asText()).isEqualTo("UP");
    assertThat(stats.get("statistics").get("records").asLong()).isEqualTo(1);
    assertThat(stats.get("statistics").get("tiers").get("long-term").get("records").asLong()).isEqualTo(1);
    assertThat(stats.get("capabilities").toString()).contains("secondary-indexes", "atomic-batches");
  }

  @Test
  void optimisticUpdate_staleVersionIsConflictOnTheWire() {
    request(MemoryMessages.PUT, "{\"records\":[{\"id\":\"a\",\"content\":\"v1\"}]}");
    JsonNode u = request(MemoryMessages.PUT, "{\"records\":[{\"id\":\"a\",\"content\":\"v2\",\"version\":1}]}");
    assertThat(u.get("records").get(0).get("version").asLong()).isEqualTo(2);
    assertThatThrownBy(() -> request(MemoryMessages.PUT, "{\"records\":[{\"id\":\"a\",\"content\":\"v3\",\"version\":1}]}"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.CONFLICT));
    assertThatThrownBy(() -> request(MemoryMessages.PUT,
        "{\"records\":[{\"id\":\"a\",\"content\":\"x\",\"version\":2},{\"id\":\"b\",\"content\":\"y\"}]}"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("only record");
  }

  @Test
  void badRequests_clearErrorsAndNothingWritten() {
    assertThatThrownBy(() -> request(MemoryMessages.PUT, "{\"records\":[{\"id\":\"a\",\"tier\":\"lukewarm\"}]}"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_ARGUMENT)).hasMessageContaining("lukewarm");
    assertThatThrownBy(() -> request(MemoryMessages.PUT, "{\"records\":[{\"id\":\"a\",\"colour\":\"red\"}]}"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_ARGUMENT)).hasMessageContaining("colour");
    assertThatThrownBy(() -> request(MemoryMessages.PUT, "{\"records\":[{\"id\":\"a\",\"content\":\"x\",\"contentHash\":\"00\"}]}"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INTEGRITY));
    assertThatThrownBy(() -> request(MemoryMessages.PUT, "{\"records\":[{\"id\":\"a\",\"importance\":1.5}]}"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_ARGUMENT)).hasMessageContaining("importance");
    assertThatThrownBy(() -> request(MemoryMessages.QUERY, "{\"limit\":100000}"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_ARGUMENT)).hasMessageContaining("10000");
    assertThatThrownBy(() -> request(MemoryMessages.QUERY, "{\"sort\":\"colour\"}"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_ARGUMENT)).hasMessageContaining("createdAt");
    assertThat(service.backend().count(MemoryQuery.all())).isZero();
  }

  @Test
  void bigQuery_isTruncatedUnderThePayloadLimitWithANextSkip() {
    String text = "y".repeat(20_000);
    for (int part = 0; part < 2; part++) {
      StringBuilder sb = new StringBuilder("{\"records\":[");
      for (int i = 0; i < 30; i++) {
        sb.append(i == 0 ? "" : ",").append("{\"id\":\"r").append(part).append(String.format("%02d", i))
            .append("\",\"content\":\"").append(text).append("\"}");
      }
      request(MemoryMessages.PUT, sb.append("]}").toString());
    }
    // 60 records of 20 KB do not fit in one reply
    JsonNode q = request(MemoryMessages.QUERY, "{\"limit\":1000}");
    assertThat(q.get("truncated").asBoolean()).isTrue();
    int n = q.get("records").size();
    assertThat(q.get("nextSkip").asLong()).isEqualTo(n);
    JsonNode rest = request(MemoryMessages.QUERY, "{\"skip\":" + n + ",\"limit\":1000}");
    assertThat(n + rest.get("records").size()).isEqualTo(60);
    assertThat(Json.toBytes(q).length).isLessThan(1 << 20);
  }

  @Test
  void health_namesTheBackend() {
    Health h = service.health();
    assertThat(h.status()).isEqualTo(Health.Status.UP);
    assertThat(h.details()).containsEntry("backend", "rocksdb");
  }
}
