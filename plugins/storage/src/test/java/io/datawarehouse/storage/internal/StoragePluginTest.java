package io.datawarehouse.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.storage.HashingInputStream;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.TestData;
import io.datawarehouse.testkit.ManualTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage.* topics over the kernel's in-process bus, with the default local store. */
class StoragePluginTest {
  @TempDir
  Path tmp;

  private final ManualTime time = new ManualTime(Instant.now());
  private Kernel kernel;

  @BeforeEach
  void start() {
    kernel = Kernel.builder().plugins(List.of(new StoragePlugin())).dataDir(tmp.resolve("data")).time(time)
        .override("storage.sources.echo.url", "echo:test")
        .override("storage.sources.echo.maxRowsLimit", "5")
        .override("storage.chunkSize", "64KiB")
        .build();
    kernel.start();
    assertThat(kernel.pluginState("storage")).isEqualTo(Kernel.PluginState.RUNNING);
  }

  @AfterEach
  void stop() {
    kernel.close();
  }

  private JsonNode call(String topic, Map<String, Object> body) {
    return kernel.bus().requestSync(Message.json(topic, body), Duration.ofSeconds(30)).jsonTree();
  }

  private static Map<String, Object> body(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private void assertCode(String topic, Map<String, Object> b, ErrorCode code) {
    assertThatThrownBy(() -> call(topic, b)).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).as(e.getMessage()).isEqualTo(code));
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static String sha(byte[] b) {
    return PutOptions.hex(HashingInputStream.sha256().digest(b));
  }

  @Test
  void write_inline_thenStatReadListDelete() {
    byte[] data = "hello, storage".getBytes();
    JsonNode info = call("storage.write", body("key", "docs/a.txt", "contentBase64", b64(data), "contentType", "text/plain",
        "metadata", Map.of("owner", "ops")));
    assertThat(info.get("store").asText()).isEqualTo("default");
    assertThat(info.get("sha256").asText()).isEqualTo(sha(data));
    assertThat(call("storage.stat", body("key", "docs/a.txt")).get("metadata").get("owner").asText()).isEqualTo("ops");
    JsonNode read = call("storage.read", body("key", "docs/a.txt"));
    assertThat(Base64.getDecoder().decode(read.get("contentBase64").asText())).isEqualTo(data);
    assertThat(read.get("eof").asBoolean()).isTrue();
    JsonNode list = call("storage.list", body("prefix", "docs/", "delimiter", "/"));
    assertThat(list.get("objects")).hasSize(1);
    assertThat(call("storage.delete", body("key", "docs/a.txt")).get("deleted").asBoolean()).isTrue();
    assertCode("storage.stat", body("key", "docs/a.txt"), ErrorCode.NOT_FOUND);
  }

  @Test
  void write_chunkedUpload_thenChunkedRead_sameBytes() {
    byte[] data = TestData.bytes(11, 200_000);
    int chunk = 64 * 1024;
    JsonNode last = null;
    for (int i = 0, n = 0; i < data.length; i += chunk, n++) {
      byte[] part = java.util.Arrays.copyOfRange(data, i, Math.min(data.length, i + chunk));
      boolean isLast = i + chunk >= data.length;
      last = call("storage.write", body("key", "big/blob", "contentBase64", b64(part), "expectedSha256", sha(data),
          "upload", Map.of("id", "up-1", "chunk", n, "last", isLast)));
      if (!isLast) {
        assertThat(last.get("receivedChunks").asInt()).isEqualTo(n + 1);
      }
    }
    assertThat(last.get("size").asLong()).isEqualTo(data.length);
    assertThat(last.get("sha256").asText()).isEqualTo(sha(data));
    var out = new java.io.ByteArrayOutputStream();
    Long offset = 0L;
    while (offset != null) {
      JsonNode r = call("storage.read", body("key", "big/blob", "offset", offset));
      out.writeBytes(Base64.getDecoder().decode(r.get("contentBase64").asText()));
      offset = r.get("eof").asBoolean() ? null : r.get("nextOffset").asLong();
    }
    assertThat(out.toByteArray()).isEqualTo(data);
  }

  @Test
  void write_chunkOutOfOrder_invalidArgument() {
    call("storage.write", body("key", "k", "contentBase64", b64(new byte[10]), "upload", Map.of("id", "u2", "chunk", 0, "last", false)));
    assertCode("storage.write", body("key", "k", "contentBase64", b64(new byte[10]), "upload",
        Map.of("id", "u2", "chunk", 2, "last", true)), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write", body("key", "k", "contentBase64", b64(new byte[10]), "upload",
        Map.of("id", "never", "chunk", 1, "last", true)), ErrorCode.NOT_FOUND);
  }

  @Test
  void writeAndRead_byPathReference() throws Exception {
    byte[] data = TestData.bytes(12, 300_000);
    Path src = tmp.resolve("in.bin");
    Files.write(src, data);
    JsonNode info = call("storage.write", body("key", "ref/x", "path", src.toString()));
    assertThat(info.get("size").asLong()).isEqualTo(data.length);
    Path dst = tmp.resolve("out.bin");
    JsonNode r = call("storage.read", body("key", "ref/x", "path", dst.toString()));
    assertThat(r.get("path").asText()).isEqualTo(dst.toString());
    assertThat(Files.readAllBytes(dst)).isEqualTo(data);
    assertCode("storage.read", body("key", "ref/x", "length", 10_000_000), ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void writeWorm_retainDays_enforcedThenExtendedAndHeld() {
    JsonNode info = call("storage.write.worm", body("key", "ledger/1", "contentBase64", b64(new byte[] {1}),
        "retention", Map.of("mode", "compliance", "retainDays", 30)));
    assertThat(info.get("retentionMode").asText()).isEqualTo("COMPLIANCE");
    assertCode("storage.delete", body("key", "ledger/1"), ErrorCode.RETENTION_LOCKED);
    assertCode("storage.write", body("key", "ledger/1", "contentBase64", b64(new byte[] {2})), ErrorCode.RETENTION_LOCKED);
    JsonNode ext = call("storage.write.worm", body("key", "ledger/1", "action", "extend",
        "retention", Map.of("mode", "COMPLIANCE", "retainDays", 60)));
    assertThat(Instant.parse(ext.get("retainUntil").asText())).isAfter(time.now().plus(Duration.ofDays(59)));
    assertCode("storage.write.worm", body("key", "ledger/1", "action", "extend",
        "retention", Map.of("retainDays", 10)), ErrorCode.RETENTION_LOCKED);
    assertThat(call("storage.write.worm", body("key", "ledger/1", "action", "legalHold", "legalHold", true))
        .get("legalHold").asBoolean()).isTrue();
    time.advance(Duration.ofDays(61));
    assertCode("storage.delete", body("key", "ledger/1"), ErrorCode.RETENTION_LOCKED); // the hold still binds
    call("storage.write.worm", body("key", "ledger/1", "action", "legalHold", "legalHold", false));
    assertThat(call("storage.delete", body("key", "ledger/1")).get("deleted").asBoolean()).isTrue();
    assertCode("storage.write.worm", body("key", "x", "contentBase64", b64(new byte[] {1})), ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void writeWorm_actions_stateExtendHold_ofAnExistingObject_andClearErrors() {
    Instant until = time.now().plus(Duration.ofDays(10)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    call("storage.write.worm", body("key", "rec/1", "contentBase64", b64(new byte[] {7}),
        "retention", Map.of("mode", "GOVERNANCE", "retainUntil", until.toString())));
    JsonNode st = call("storage.write.worm", body("key", "rec/1", "action", "state"));
    assertThat(st.get("mode").asText()).isEqualTo("GOVERNANCE");
    assertThat(Instant.parse(st.get("retainUntil").asText())).isEqualTo(until);
    assertThat(st.get("legalHold").asBoolean()).isFalse();

    // the same date again is accepted (a replayed request changes nothing); governance -> compliance is stricter
    Instant later = until.plus(Duration.ofDays(5));
    call("storage.write.worm", body("key", "rec/1", "action", "extend", "retention", Map.of("mode", "GOVERNANCE",
        "retainUntil", until.toString())));
    JsonNode ext = call("storage.write.worm", body("key", "rec/1", "action", "extend", "retention",
        Map.of("mode", "COMPLIANCE", "retainUntil", later.toString())));
    assertThat(ext.get("mode").asText()).isEqualTo("COMPLIANCE");
    assertThat(Instant.parse(call("storage.write.worm", body("key", "rec/1", "action", "state")).get("retainUntil").asText()))
        .isEqualTo(later);
    // compliance can neither be shortened nor weakened
    assertCode("storage.write.worm", body("key", "rec/1", "action", "extend", "retention",
        Map.of("mode", "COMPLIANCE", "retainUntil", until.toString())), ErrorCode.RETENTION_LOCKED);
    assertCode("storage.write.worm", body("key", "rec/1", "action", "extend", "retention",
        Map.of("mode", "GOVERNANCE", "retainUntil", later.plus(Duration.ofDays(1)).toString())), ErrorCode.RETENTION_LOCKED);
    // setting a hold twice is the same as once
    call("storage.write.worm", body("key", "rec/1", "action", "legalHold", "legalHold", true));
    assertThat(call("storage.write.worm", body("key", "rec/1", "action", "legalHold", "legalHold", true))
        .get("legalHold").asBoolean()).isTrue();

    // unknown object, bad key, unknown action, fields that do not belong to the action
    assertCode("storage.write.worm", body("key", "rec/none", "action", "legalHold", "legalHold", true), ErrorCode.NOT_FOUND);
    assertCode("storage.write.worm", body("key", "rec/none", "action", "extend", "retention",
        Map.of("retainDays", 3)), ErrorCode.NOT_FOUND);
    assertCode("storage.write.worm", body("key", "rec/none", "action", "state"), ErrorCode.NOT_FOUND);
    assertCode("storage.write.worm", body("key", "../x", "action", "legalHold", "legalHold", true), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write.worm", body("key", "rec/1", "action", "unlock"), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write.worm", body("key", "rec/1", "action", "legalHold"), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write.worm", body("key", "rec/1", "action", "extend"), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write.worm", body("key", "rec/1", "action", "legalHold", "legalHold", false,
        "contentBase64", b64(new byte[] {1})), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write.worm", body("key", "rec/1", "action", "extend", "legalHold", false,
        "retention", Map.of("retainDays", 30)), ErrorCode.INVALID_ARGUMENT);
    // none of the refusals changed anything
    JsonNode after = call("storage.write.worm", body("key", "rec/1", "action", "state"));
    assertThat(after.get("mode").asText()).isEqualTo("COMPLIANCE");
    assertThat(Instant.parse(after.get("retainUntil").asText())).isEqualTo(later);
    assertThat(after.get("legalHold").asBoolean()).isTrue();
    assertCode("storage.delete", body("key", "rec/1"), ErrorCode.RETENTION_LOCKED);
  }

  @Test
  void wormShorten_onlyGovernance_onlyWithBypass_onlyWhereTheStoreAllowsIt() {
    kernel.close();
    kernel = Kernel.builder().plugins(List.of(new StoragePlugin())).dataDir(tmp.resolve("data2")).time(time)
        .override("storage.stores.default.type", "local")
        .override("storage.stores.worm.type", "local")
        .override("storage.stores.worm.governanceBypass", "true")
        .build();
    kernel.start();
    Instant until = time.now().plus(Duration.ofDays(30)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    Instant shorter = until.minus(Duration.ofDays(20));
    for (String store : List.of("default", "worm")) {
      for (String key : List.of("gov", "comp")) {
        call("storage.write.worm", body("store", store, "key", key, "contentBase64", b64(new byte[] {1, 2}),
            "retention", Map.of("mode", key.equals("gov") ? "GOVERNANCE" : "COMPLIANCE", "retainUntil", until.toString())));
      }
    }
    Map<String, Object> shorten = Map.of("mode", "GOVERNANCE", "retainUntil", shorter.toString());
    // a store that does not allow it refuses, whatever the request says
    assertCode("storage.write.worm", body("store", "default", "key", "gov", "action", "shorten", "retention", shorten,
        "bypassGovernanceRetention", true), ErrorCode.PERMISSION_DENIED);
    // the bypass must be asked for explicitly, and belongs to shorten alone
    assertCode("storage.write.worm", body("store", "worm", "key", "gov", "action", "shorten", "retention", shorten),
        ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write.worm", body("store", "worm", "key", "gov", "action", "extend", "retention", shorten,
        "bypassGovernanceRetention", true), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write.worm", body("store", "worm", "key", "gov", "action", "shorten", "retention", shorten,
        "bypassGovernanceRetention", true, "legalHold", false), ErrorCode.INVALID_ARGUMENT);
    // compliance is never shortened, nor is a bypass a way to set compliance
    assertCode("storage.write.worm", body("store", "worm", "key", "comp", "action", "shorten", "retention", shorten,
        "bypassGovernanceRetention", true), ErrorCode.RETENTION_LOCKED);
    assertCode("storage.write.worm", body("store", "worm", "key", "gov", "action", "shorten", "retention",
        Map.of("mode", "COMPLIANCE", "retainUntil", shorter.toString()), "bypassGovernanceRetention", true), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write.worm", body("store", "worm", "key", "gov", "action", "shorten", "retention",
        Map.of("mode", "GOVERNANCE", "retainUntil", time.now().minusSeconds(1).toString()), "bypassGovernanceRetention", true),
        ErrorCode.INVALID_ARGUMENT);
    for (String store : List.of("default", "worm")) {
      for (String key : List.of("gov", "comp")) {
        JsonNode st = call("storage.write.worm", body("store", store, "key", key, "action", "state"));
        assertThat(Instant.parse(st.get("retainUntil").asText())).as(store + "/" + key).isEqualTo(until);
      }
    }
    JsonNode done = call("storage.write.worm", body("store", "worm", "key", "gov", "action", "shorten", "retention", shorten,
        "bypassGovernanceRetention", true));
    assertThat(Instant.parse(done.get("retainUntil").asText())).isEqualTo(shorter);
    assertThat(done.get("mode").asText()).isEqualTo("GOVERNANCE");
    // repeating it changes nothing; after the shorter date the object can go
    call("storage.write.worm", body("store", "worm", "key", "gov", "action", "shorten", "retention", shorten,
        "bypassGovernanceRetention", true));
    assertCode("storage.delete", body("store", "worm", "key", "gov"), ErrorCode.RETENTION_LOCKED);
    time.advance(Duration.ofDays(11));
    assertThat(call("storage.delete", body("store", "worm", "key", "gov")).get("deleted").asBoolean()).isTrue();
    assertCode("storage.delete", body("store", "worm", "key", "comp"), ErrorCode.RETENTION_LOCKED);
  }

  @Test
  void query_objectLookup_infoAndSmallContent() {
    call("storage.write", body("key", "cfg/app.json", "contentBase64", b64("{\"a\":1}".getBytes())));
    JsonNode r = call("storage.query", body("key", "cfg/app.json", "content", true));
    assertThat(new String(Base64.getDecoder().decode(r.get("contentBase64").asText()))).isEqualTo("{\"a\":1}");
    assertThat(r.get("info").get("size").asInt()).isEqualTo(7);
    assertCode("storage.query", body("key", "cfg/none"), ErrorCode.NOT_FOUND);
  }

  @Test
  void query_source_paramsAndLimitsPassedDown() {
    JsonNode r = call("storage.query", body("source", "echo", "sql", "SELECT ?", "params", List.of("a' OR 1=1", 2, true),
        "maxRows", 2, "timeoutMs", 1500));
    assertThat(r.get("rows")).hasSize(2);
    assertThat(r.get("truncated").asBoolean()).isTrue();
    assertThat(r.get("rows").get(0).get("param").asText()).isEqualTo("a' OR 1=1");
    assertThat(r.get("rows").get(0).get("timeoutMs").asLong()).isEqualTo(1500);
    assertCode("storage.query", body("source", "echo", "sql", "SELECT 1", "maxRows", 6), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.query", body("source", "echo", "sql", "SELECT 1", "timeoutMs", 600_000), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.query", body("source", "nope", "sql", "SELECT 1"), ErrorCode.NOT_FOUND);
  }

  @Test
  void badRequests_clearErrors() {
    assertCode("storage.write", body("key", "a", "contentBase64", "AA==", "colour", "red"), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write", body("key", "../etc/passwd", "contentBase64", "AA=="), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write", body("key", "a", "contentBase64", "%%%"), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write", body("store", "nope", "key", "a", "contentBase64", "AA=="), ErrorCode.NOT_FOUND);
    assertCode("storage.write", body("key", "a"), ErrorCode.INVALID_ARGUMENT);
    assertCode("storage.write", body("key", "a", "contentBase64", "AA==", "retention", Map.of("retainDays", 1)),
        ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void list_paging_overTheBus() {
    for (int i = 0; i < 7; i++) {
      call("storage.write", body("key", "p/" + i, "contentBase64", "AA=="));
    }
    List<String> keys = new ArrayList<>();
    String token = null;
    do {
      JsonNode page = call("storage.list", body("prefix", "p/", "maxKeys", 3, "pageToken", token));
      page.get("objects").forEach(o -> keys.add(o.get("key").asText()));
      token = page.hasNonNull("nextPageToken") ? page.get("nextPageToken").asText() : null;
    } while (token != null);
    assertThat(keys).containsExactly("p/0", "p/1", "p/2", "p/3", "p/4", "p/5", "p/6");
  }

  @Test
  void health_reportsStoresAndSources() {
    var h = kernel.plugin("storage").health();
    assertThat(h.components()).containsKeys("store:default", "source:echo");
    assertThat(h.isUp()).as(Json.toString(h)).isTrue();
  }
}
