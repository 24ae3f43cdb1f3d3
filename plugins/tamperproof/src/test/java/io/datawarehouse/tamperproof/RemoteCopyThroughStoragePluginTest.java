package io.datawarehouse.tamperproof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.testkit.ManualTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote copy kept by the real storage plugin: both plugins found by the kernel, talking over its
 * in-process bus, the remote being the storage plugin's local store (which enforces WORM itself, as
 * S3 Object Lock and Azure immutability do). After {@code hold --on} the remote object refuses
 * deletion even once its retention has ended; after {@code extend} its retain-until has moved; a
 * governance retention shortened with the bypass permission is shortened there too.
 */
class RemoteCopyThroughStoragePluginTest {
  private static final Duration T = Duration.ofSeconds(30);

  @TempDir Path dataDir;
  final ManualTime time = new ManualTime(Instant.parse("2026-11-27T12:00:00Z"));
  Kernel kernel;
  TamperProofPlugin plugin;

  @BeforeEach
  void start() {
    kernel = Kernel.builder().dataDir(dataDir).time(time)
        .override("tamperproof.remote.type", "s3")
        .override("tamperproof.remote.store", "default")
        .override("tamperproof.grants.counsel.permissions", "legal-hold")
        .override("tamperproof.grants.officer.permissions", "governance-bypass")
        .override("storage.stores.default.type", "local")
        .override("storage.stores.default.governanceBypass", "true")
        .build();
    kernel.start();
    assertThat(kernel.pluginState("storage")).isEqualTo(Kernel.PluginState.RUNNING);
    plugin = (TamperProofPlugin) kernel.plugin("tamperproof");
    plugin.remoteCopies().probeNow();
  }

  @AfterEach
  void stop() {
    kernel.close();
  }

  JsonNode request(String topic, Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return kernel.bus().requestSync(Message.json(topic, m), T).jsonTree();
  }

  JsonNode remote(String id) {
    return request("storage.stat", "store", "default", "key", "tamperproof/minutes/" + id);
  }

  @Test
  void holdAndExtend_reachTheStoragePluginsWormObject() {
    byte[] data = "board minutes".getBytes(StandardCharsets.UTF_8);
    String id = request("tamperproof.write", "namespace", "minutes", "content", Base64.getEncoder().encodeToString(data),
        "retainDays", 1).path("id").asText();
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(id));
    JsonNode copy = remote(id);
    assertThat(copy.path("sha256").asText()).isEqualTo(StoreFixture.sha256(data));
    assertThat(Instant.parse(copy.path("retainUntil").asText())).isEqualTo(plugin.store().info(id).retainUntil());
    assertThat(copy.path("legalHold").asBoolean()).isFalse();

    Instant extended = Instant.parse(request("tamperproof.extend", "id", id, "retainDays", 30).path("retainUntil").asText());
    await().atMost(T).until(() -> Instant.parse(remote(id).path("retainUntil").asText()).equals(extended));

    request("tamperproof.hold", "id", id, "on", true);
    await().atMost(T).until(() -> remote(id).path("legalHold").asBoolean());

    // past the retention: only the hold keeps the remote object
    time.advance(Duration.ofDays(31));
    assertRefused(() -> request("storage.delete", "store", "default", "key", "tamperproof/minutes/" + id));
    assertRefused(() -> request("tamperproof.delete", "id", id));
    assertThat(remote(id).path("size").asLong()).isEqualTo(data.length);

    request("tamperproof.hold", "id", id, "on", false, "actor", "counsel");
    await().atMost(T).until(() -> !remote(id).path("legalHold").asBoolean());
    assertThat(request("storage.delete", "store", "default", "key", "tamperproof/minutes/" + id).path("deleted").asBoolean())
        .isTrue();
  }

  @Test
  void aGovernanceShortening_reachesTheStoragePluginsWormObject() {
    byte[] data = "draft".getBytes(StandardCharsets.UTF_8);
    String id = request("tamperproof.write", "namespace", "minutes", "content", Base64.getEncoder().encodeToString(data),
        "retainDays", 30, "mode", "governance").path("id").asText();
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(id));
    assertThatThrownBy(() -> request("tamperproof.extend", "id", id, "retainDays", 2)).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
    Instant shorter = Instant.parse(request("tamperproof.extend", "id", id, "retainDays", 2, "actor", "officer")
        .path("retainUntil").asText());
    await().atMost(T).until(() -> Instant.parse(remote(id).path("retainUntil").asText()).equals(shorter));
    assertThat(remote(id).path("retentionMode").asText()).isEqualTo("GOVERNANCE");

    time.advance(Duration.ofDays(3));
    assertThat(request("storage.delete", "store", "default", "key", "tamperproof/minutes/" + id).path("deleted").asBoolean())
        .isTrue();
  }

  private static void assertRefused(Runnable call) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.RETENTION_LOCKED));
  }
}
