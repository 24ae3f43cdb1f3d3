package io.datawarehouse.tamperproof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.tamperproof.internal.RecordFiles;
import io.datawarehouse.testkit.ManualTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackgroundScanTest {
  @TempDir Path dir;

  static TamperProofConfig config(String json) {
    return TamperProofConfig.from(TamperProofConfig.DEFINITION.parse("tamperproof",
        Json.tree(json.getBytes(StandardCharsets.UTF_8), "test config")));
  }

  /** Whether an event of {@code type} arrived; moves time by a millisecond so a late sleeper wakes too. */
  private static boolean nudged(ManualTime time, List<TamperProofEvent> events, String type) {
    time.advance(Duration.ofMillis(1));
    return events.stream().anyMatch(e -> e.type().equals(type));
  }

  @Test
  void startBackgroundScans_everyInterval_scansAndPublishesAnIncidentNamingTheRecord() throws Exception {
    ManualTime time = new ManualTime();
    TamperProofConfig config = config("{\"scan\": {\"interval\": \"1h\", \"rateLimit\": \"1MiB\"}}");
    List<TamperProofEvent> events = new CopyOnWriteArrayList<>();
    try (TamperProofStore store = TamperProofStore.open(dir, config, time)) {
      store.addListener(events::add);
      RecordInfo r = store.write("ledger of 1907".getBytes(StandardCharsets.UTF_8),
          WriteOptions.in("archive").withRetention(Duration.ofDays(9)), Caller.of("clerk"));
      store.startBackgroundScans();
      time.advance(Duration.ofMinutes(59));
      assertThat(events).noneMatch(e -> e.type().equals("scan"));
      time.advance(Duration.ofMinutes(1));
      await().atMost(Duration.ofSeconds(20)).until(() -> nudged(time, events, "scan"));
      assertThat(events).noneMatch(e -> e.type().equals("incident"));
      assertThat(events).anyMatch(e -> e.type().equals("scan-progress") && e.detail().get("records").equals(1L));

      Files.delete(new RecordFiles(dir).dataFile(r.id()));
      events.clear();
      time.advance(Duration.ofHours(1));
      await().atMost(Duration.ofSeconds(20)).until(() -> nudged(time, events, "incident"));
      TamperProofEvent incident = events.stream().filter(e -> e.type().equals("incident")).findFirst().orElseThrow();
      assertThat(incident.recordId()).isEqualTo(r.id());
      assertThat(incident.detail()).containsEntry("kind", "DATA_MISSING").containsKey("where");
    }
  }
}
