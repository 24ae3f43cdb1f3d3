package io.datawarehouse.intelligence.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.sdk.provider.ResilientBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The provider pattern wired into the memory service: the connection string chooses the backend;
 * an unreachable one, or a scheme with no connector installed, gives DEGRADED health, a bounded
 * fallback and a durable journal that is replayed, idempotently and in order, when it returns.
 */
class MemoryProviderWiringTest {
  @TempDir Path dir;
  private final InProcessMessageBus bus = new InProcessMessageBus();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private ListAppender<ILoggingEvent> logs;
  private MemoryService service;

  @BeforeEach
  void captureLogs() {
    FakeMemoryConnector.reset();
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(ResilientBackend.class)).addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      service.close();
    }
    bus.close();
    scheduler.shutdownNow();
    ((Logger) LoggerFactory.getLogger(ResilientBackend.class)).detachAppender(logs);
    FakeMemoryConnector.reset();
  }

  private MemoryService open(String json) throws IOException {
    Config c = MemoryService.configDef().parse("intelligence.persistence", Json.mapper().readTree(json));
    service = MemoryService.open(new MemoryTestContext(bus, c, dir, Time.SYSTEM, scheduler), c);
    return service;
  }

  private long warnings() {
    return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).count();
  }

  @Test
  void noConnectorInstalled_degradesWithOneWarn_servesNewWritesAndJournalsThem() throws IOException {
    MemoryService s = open("{\"url\":\"redis://:secret@127.0.0.1:6399/0\",\"probeInterval\":\"1h\"}");
    PersistenceBackend b = s.backend();
    assertThat(b.name()).isEqualTo("redis");
    Health h = s.health();
    assertThat(h.status()).isEqualTo(Health.Status.DEGRADED);
    assertThat(h.message()).contains("no connector for 'redis://'").doesNotContain("secret");
    assertThat(warnings()).isEqualTo(1);

    b.storeAll(List.of(MemoryRecord.builder("a").content("during the outage").build(), MemoryRecord.builder("b").build()));
    assertThat(b.get("a").orElseThrow().contentText()).isEqualTo("during the outage");
    assertThat(h.details()).containsKey("pendingWrites");
    assertThat(s.health().details()).containsEntry("pendingWrites", 1L);
    assertThatThrownBy(() -> b.get("from-before"))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThatThrownBy(() -> b.query(MemoryQuery.all()))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
          assertThat(e.getMessage()).contains("a query needs the real backend");
        });
    assertThatThrownBy(() -> b.update(MemoryRecord.builder("a").version(1).build()))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    try (var files = Files.list(dir.resolve("memory/journal"))) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".journal"));
    }
    assertThat(warnings()).isEqualTo(1);
  }

  @Test
  void requireReal_unreachable_failsAtStart() {
    assertThatThrownBy(() -> open("{\"url\":\"redis://127.0.0.1:6399\",\"requireReal\":true}"))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
          assertThat(e.getMessage()).contains("requireReal");
        });
    service = null;
  }

  @Test
  void serviceDown_thenUp_journalReplaysInOrderAndHealthReturnsToUp() throws IOException {
    FakeMemoryConnector.down = true;
    MemoryService s = open("{\"url\":\"fakemem://127.0.0.1:7777\",\"probeInterval\":\"50ms\",\"retries\":0}");
    assertThat(s.health().status()).isEqualTo(Health.Status.DEGRADED);
    PersistenceBackend b = s.backend();
    for (int i = 0; i < 20; i++) {
      b.store(MemoryRecord.builder("k" + i).content("v" + i).tags("outage").build());
    }
    b.store(MemoryRecord.builder("k3").content("rewritten").build());
    b.delete("k5");
    assertThat(FakeMemoryConnector.service.count(MemoryQuery.all())).isZero();

    FakeMemoryConnector.down = false;
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> s.health().status() == Health.Status.UP);
    InMemoryRecords real = new InMemoryRecords(FakeMemoryConnector.service);
    assertThat(real.count()).isEqualTo(19);
    assertThat(real.text("k3")).isEqualTo("rewritten");
    assertThat(real.exists("k5")).isFalse();
    assertThat(b.count(MemoryQuery.builder().tagsAll(List.of("outage")).build())).isEqualTo(18);
    // connected: an optimistic update goes to the real backend
    MemoryRecord k1 = b.get("k1").orElseThrow();
    assertThat(b.update(k1.toBuilder().content("updated").build()).version()).isEqualTo(k1.version() + 1);
  }

  @Test
  void restartWhileDegraded_journalSurvivesAndIsReplayedOnce() throws IOException {
    FakeMemoryConnector.down = true;
    MemoryService s = open("{\"url\":\"fakemem://127.0.0.1:7777\",\"probeInterval\":\"1h\",\"retries\":0}");
    s.backend().store(MemoryRecord.builder("x").content("kept across the restart").build());
    s.close();
    service = null;

    FakeMemoryConnector.down = false;
    MemoryService again = open("{\"url\":\"fakemem://127.0.0.1:7777\",\"probeInterval\":\"1h\",\"retries\":0}");
    assertThat(again.health().status()).isEqualTo(Health.Status.UP);
    assertThat(FakeMemoryConnector.service.get("x").orElseThrow().contentText()).isEqualTo("kept across the restart");
    assertThat(FakeMemoryConnector.service.get("x").orElseThrow().version()).isEqualTo(1);
    JsonNode stats = Json.mapper().valueToTree(again.stats());
    assertThat(stats.get("backend").asText()).isEqualTo("fakemem");
  }

  /** Reads of the fake service's data, for assertions. */
  private record InMemoryRecords(PersistenceBackend b) {
    long count() {
      return b.count(MemoryQuery.all());
    }

    String text(String id) {
      return b.get(id).orElseThrow().contentText();
    }

    boolean exists(String id) {
      return b.exists(id);
    }
  }
}
