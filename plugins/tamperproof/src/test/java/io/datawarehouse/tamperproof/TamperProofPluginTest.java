package io.datawarehouse.tamperproof;

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
import io.datawarehouse.tamperproof.internal.LedgerEvent;
import io.datawarehouse.tamperproof.internal.RecordFiles;
import io.datawarehouse.tamperproof.ledger.LedgerVerifier;
import io.datawarehouse.tamperproof.ledger.RecordProof;
import io.datawarehouse.testkit.ManualTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin in a kernel, over the in-process bus, with a storage responder registered by the test. */
class TamperProofPluginTest {
  private static final Duration T = Duration.ofSeconds(30);

  @TempDir Path dataDir;
  final ManualTime time = new ManualTime();
  Kernel kernel;
  TamperProofPlugin plugin;
  FakeStorage storage;
  final List<JsonNode> events = new CopyOnWriteArrayList<>();

  void start(Map<String, String> overrides) {
    plugin = new TamperProofPlugin();
    Kernel.Builder b = Kernel.builder().dataDir(dataDir).plugins(List.of(plugin)).time(time);
    overrides.forEach(b::override);
    kernel = b.build();
    kernel.start();
    kernel.bus().subscribe("tamperproof.events", MessageHandler.listener(m -> events.add(m.jsonTree())));
  }

  @AfterEach
  void stop() {
    if (storage != null) {
      storage.close();
    }
    if (kernel != null) {
      kernel.close();
    }
  }

  MessageBus bus() {
    return kernel.bus();
  }

  JsonNode request(String topic, Map<String, Object> body) {
    return bus().requestSync(Message.json(topic, body), T).jsonTree();
  }

  static Map<String, Object> body(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  @Test
  void topics_writeReadHoldExtendDeleteProofVerify_overTheBus() {
    start(Map.of("tamperproof.grants.counsel.permissions", "legal-hold"));
    byte[] data = "board minutes 2026-01".getBytes(StandardCharsets.UTF_8);
    JsonNode w = request("tamperproof.write", body("namespace", "minutes", "content", b64(data), "retainDays", 7,
        "mode", "compliance", "actor", "secretary", "metadata", Map.of("meeting", "Q1")));
    String id = w.path("id").asText();
    assertThat(w.path("sha256").asText()).isEqualTo(StoreFixture.sha256(data));
    assertThat(w.path("ledgerIndex").asLong()).isGreaterThanOrEqualTo(0);
    assertThat(w.path("mode").asText()).isEqualTo("COMPLIANCE");

    JsonNode r = request("tamperproof.read", body("id", id, "audit", true, "actor", "examiner", "reason", "exam"));
    assertThat(Base64.getDecoder().decode(r.path("content").asText())).isEqualTo(data);
    assertThat(r.path("auditEntry").asLong()).isPositive();

    assertThat(request("tamperproof.hold", body("id", id, "on", true, "actor", "secretary")).path("legalHold").asBoolean()).isTrue();
    assertRefused(() -> request("tamperproof.hold", body("id", id, "on", false, "actor", "secretary")), ErrorCode.PERMISSION_DENIED);
    assertThat(request("tamperproof.hold", body("id", id, "on", false, "actor", "counsel")).path("legalHold").asBoolean()).isFalse();
    assertThat(request("tamperproof.extend", body("id", id, "retainDays", 30)).path("retainUntil").asText())
        .isEqualTo(time.now().plus(Duration.ofDays(30)).toString());
    assertRefused(() -> request("tamperproof.extend", body("id", id, "retainDays", 1)), ErrorCode.RETENTION_LOCKED);
    assertRefused(() -> request("tamperproof.delete", body("id", id)), ErrorCode.RETENTION_LOCKED);
    assertRefused(() -> request("tamperproof.write", body("namespace", "minutes", "contnt", "x")), ErrorCode.INVALID_ARGUMENT);

    RecordProof proof = bus().requestSync(Message.json("tamperproof.proof", body("id", id)), T).json(RecordProof.class);
    LedgerVerifier v = LedgerVerifier.forKeyFile(dataDir.resolve("tamperproof").resolve("ledger").resolve("signing.pub"));
    assertThat(v.verifyRecord(proof, data).valid()).isTrue();
    JsonNode one = request("tamperproof.verify", body("id", id));
    assertThat(one.path("ok").asBoolean()).as(one.toString()).isTrue();
    JsonNode all = request("tamperproof.verify", body());
    assertThat(all.path("ok").asBoolean()).isTrue();

    time.advance(Duration.ofDays(31));
    JsonNode deleted = request("tamperproof.delete", body("id", id, "actor", "records-officer", "reason", "expired"));
    assertThat(deleted.path("deletedAt").asText()).isNotEmpty();
    await().atMost(T).until(() -> events.stream().anyMatch(e -> e.path("type").asText().equals("deleted")));
    assertThat(events).extracting(e -> e.path("type").asText())
        .contains("written", "read-audit", "hold", "extended", "checkpoint", "scan", "deleted");
    assertThat(kernel.health().status()).isEqualTo(Health.Status.UP);
  }

  @Test
  void read_largeRecord_movesByPathInsideTheTransferDirectoryOnly() throws Exception {
    Path transfer = dataDir.resolve("transfer");
    Files.createDirectories(transfer);
    start(Map.of("tamperproof.transferDir", transfer.toString(), "tamperproof.defaultRetention", "1d"));
    byte[] big = new byte[3 << 20];
    new SplittableRandom(7).nextBytes(big);
    Files.write(transfer.resolve("in.bin"), big);
    String id = request("tamperproof.write", body("namespace", "scans", "sourcePath", "in.bin")).path("id").asText();
    assertRefused(() -> request("tamperproof.read", body("id", id)), ErrorCode.FAILED_PRECONDITION);
    request("tamperproof.read", body("id", id, "targetPath", "out/copy.bin"));
    assertThat(Files.readAllBytes(transfer.resolve("out").resolve("copy.bin"))).isEqualTo(big);
    assertRefused(() -> request("tamperproof.read", body("id", id, "targetPath", "../escape.bin")), ErrorCode.INVALID_ARGUMENT);
    assertThat(dataDir.resolve("escape.bin")).doesNotExist();
  }

  @Test
  void remoteCopies_throughStorageWriteWorm_carryRetentionAndHoldAndMultipleParts() {
    start(remoteConfig());
    storage = new FakeStorage(bus());
    plugin.remoteCopies().probeNow();
    byte[] small = "small".getBytes(StandardCharsets.UTF_8);
    byte[] large = new byte[1_300_000]; // three parts
    new SplittableRandom(11).nextBytes(large);
    String a = request("tamperproof.write", body("namespace", "ns", "content", b64(small), "retainDays", 5, "legalHold", true))
        .path("id").asText();
    String b = plugin.store().write(large, WriteOptions.in("ns").withRetention(Duration.ofDays(9))
        .withMode(RetentionMode.COMPLIANCE), Caller.of("t")).id();
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(a) && plugin.store().hasRemoteCopy(b));
    FakeStorage.Stored sa = storage.objects.get("tamperproof/ns/" + a);
    assertThat(sa.bytes()).isEqualTo(small);
    assertThat(sa.legalHold()).isTrue();
    assertThat(sa.mode()).isEqualTo("GOVERNANCE");
    assertThat(sa.retainUntil()).isEqualTo(plugin.store().info(a).retainUntil().toString());
    FakeStorage.Stored sb = storage.objects.get("tamperproof/ns/" + b);
    assertThat(sb.bytes()).isEqualTo(large);
    assertThat(sb.mode()).isEqualTo("COMPLIANCE");
    assertThat(StoreFixture.entries(dataDir.resolve("tamperproof"))).filteredOn(e -> e.type() == LedgerEvent.Type.REMOTE_COPY)
        .extracting(LedgerEvent::id).containsExactlyInAnyOrder(a, b);
  }

  @Test
  void remoteUnreachable_writesGoOnJournaledAndAreCopiedWhenItAnswersEvenAfterARestart() {
    start(remoteConfig());
    plugin.remoteCopies().probeNow();
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(request("tamperproof.write", body("namespace", "ns", "content", b64(("r" + i).getBytes(StandardCharsets.UTF_8)),
          "retainDays", 3)).path("id").asText());
    }
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 5);
    Health h = plugin.health();
    assertThat(h.status()).isEqualTo(Health.Status.DEGRADED);
    assertThat(h.components().get("remote").details()).containsEntry("backlog", 5L);
    kernel.close();

    start(remoteConfig());
    storage = new FakeStorage(bus());
    plugin.remoteCopies().probeNow();
    await().atMost(T).until(() -> ids.stream().allMatch(plugin.store()::hasRemoteCopy));
    assertThat(storage.objects).hasSize(5);
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 0);
    assertThat(plugin.health().status()).isEqualTo(Health.Status.UP);
  }

  @Test
  void tamperedLocalCopy_isRestoredFromTheVerifiedRemoteCopyAndTheRepairRecorded() throws Exception {
    start(remoteConfig());
    storage = new FakeStorage(bus());
    plugin.remoteCopies().probeNow();
    byte[] data = "ledger page 17".getBytes(StandardCharsets.UTF_8);
    String id = request("tamperproof.write", body("namespace", "ns", "content", b64(data), "retainDays", 3)).path("id").asText();
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(id));
    Path f = new RecordFiles(dataDir.resolve("tamperproof")).dataFile(id);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    byte[] bad = Files.readAllBytes(f);
    bad[bad.length - 1] ^= 0x40;
    Files.write(f, bad);

    JsonNode scan = request("tamperproof.verify", body());
    assertThat(scan.path("ok").asBoolean()).isFalse();
    assertThat(scan.path("incidents").get(0).path("recordId").asText()).isEqualTo(id);
    await().atMost(T).until(() -> events.stream().anyMatch(e -> e.path("type").asText().equals("repaired")));
    assertThat(plugin.store().read(id)).isEqualTo(data);
    assertThat(StoreFixture.entries(dataDir.resolve("tamperproof"))).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo(LedgerEvent.Type.REPAIR);
      assertThat(e.id()).isEqualTo(id);
    });
    assertThat(request("tamperproof.verify", body()).path("ok").asBoolean()).isTrue();
    assertThat(Files.list(dataDir.resolve("tamperproof").resolve("quarantine"))).hasSize(1);
  }

  @Test
  void tamperedLocalCopy_whoseRemoteCopyDoesNotVerify_isNotReplaced() throws Exception {
    start(remoteConfig());
    storage = new FakeStorage(bus());
    plugin.remoteCopies().probeNow();
    String id = request("tamperproof.write", body("namespace", "ns", "content", b64(new byte[] {1, 2, 3}), "retainDays", 3))
        .path("id").asText();
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(id));
    storage.corrupt("tamperproof/ns/" + id);
    Files.delete(new RecordFiles(dataDir.resolve("tamperproof")).dataFile(id));
    request("tamperproof.verify", body());
    await().atMost(T).until(() -> plugin.remoteCopies().health().details().get("failedRepairs").equals(1L));
    assertThat(StoreFixture.entries(dataDir.resolve("tamperproof"))).noneMatch(e -> e.type() == LedgerEvent.Type.REPAIR);
    assertThat(plugin.health().status()).isEqualTo(Health.Status.DEGRADED);
  }

  private Map<String, String> remoteConfig() {
    return Map.of("tamperproof.remote.type", "s3", "tamperproof.remote.store", "worm-bucket",
        "tamperproof.remote.timeout", "2s", "tamperproof.remote.retries", "0");
  }

  private static void assertRefused(Runnable call, ErrorCode code) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  static JsonNode json(String s) {
    return Json.tree(s.getBytes(StandardCharsets.UTF_8), "test");
  }
}
