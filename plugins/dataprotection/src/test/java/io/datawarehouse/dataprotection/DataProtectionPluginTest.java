package io.datawarehouse.dataprotection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.testkit.ManualTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin in a kernel, over the in-process bus. */
class DataProtectionPluginTest {
  private static final Duration T = Duration.ofSeconds(60);

  @TempDir Path dir;
  Kernel kernel;
  final List<Message> events = new CopyOnWriteArrayList<>();

  void start(String passphrase) {
    Kernel.Builder b = Kernel.builder().dataDir(dir.resolve("dw-data")).plugins(List.of(new DataProtectionPlugin()))
        .time(new ManualTime());
    if (passphrase != null) {
      b.override("dataprotection.passphrase", passphrase);
    }
    kernel = b.build();
    kernel.start();
    kernel.bus().subscribe("dataprotection.events", MessageHandler.listener(events::add));
  }

  @AfterEach
  void stop() {
    if (kernel != null) {
      kernel.close();
    }
  }

  JsonNode request(String topic, Map<String, Object> body) {
    return kernel.bus().requestSync(Message.json(topic, body), T).jsonTree();
  }

  static Map<String, Object> body(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void topics_backupListValidateRestoreForget_workAndPublishEvents() throws Exception {
    start("bus passphrase");
    Path src = dir.resolve("data");
    RepoFixture.write(src.resolve("a/b.bin"), RepoFixture.random(new SplittableRandom(5), 50_000));
    JsonNode snap = request("dataprotection.backup", body("paths", List.of(src.toString()), "type", "full", "tags", List.of("t1")));
    String id = snap.get("id").asText();
    assertThat(snap.get("type").asText()).isEqualTo("full");
    JsonNode inc = request("dataprotection.backup", body("paths", List.of(src.toString()), "type", "incremental"));
    assertThat(inc.get("parent").asText()).isEqualTo(id);
    JsonNode list = request("dataprotection.list", Map.of());
    assertThat(list).hasSize(2);
    JsonNode v = request("dataprotection.validate", body("readData", true, "testRestore", true));
    assertThat(v.get("ok").asBoolean()).isTrue();
    JsonNode r = request("dataprotection.restore", body("snapshot", id, "target", dir.resolve("out").toString()));
    assertThat(r.get("files").asLong()).isEqualTo(1);
    assertThat(dir.resolve("out/data/a/b.bin")).hasSameBinaryContentAs(src.resolve("a/b.bin"));
    JsonNode f = request("dataprotection.forget", body("keepLast", 1, "prune", true));
    assertThat(f.get("decisions")).hasSize(2);
    assertThat(f.get("prune").get("blobsRemoved").asLong()).isZero();
    await().atMost(T).untilAsserted(() -> assertThat(events).extracting(m -> m.headers().get("dw-event"))
        .contains("progress", "backup.done", "validate.done", "restore.done", "forget.done"));
    assertThat(kernel.health().components().get("dataprotection").status()).isEqualTo(Health.Status.UP);
  }

  @Test
  void backup_badRequest_isInvalidArgument() {
    start("bus passphrase");
    assertThatThrownBy(() -> request("dataprotection.backup", body("paths", List.of())))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    assertThatThrownBy(() -> request("dataprotection.backup", body("pathz", List.of("x"))))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void noPassphrase_isUpButNotConfigured_andRequestsFailWithFailedPrecondition() {
    start(null);
    assertThat(kernel.health().components().get("dataprotection").status()).isEqualTo(Health.Status.UP);
    assertThat(kernel.health().components().get("dataprotection").message()).contains("not configured");
    assertThatThrownBy(() -> request("dataprotection.list", Map.of()))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
    assertThat(Files.exists(dir.resolve("dw-data/dataprotection/repo/config"))).isFalse();
  }
}
