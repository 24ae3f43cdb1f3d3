package io.datawarehouse.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enrichment and the storage.write sink against the real storage plugin (a test-scope dependency
 * discovered by the kernel, never imported): object lookups over {@code storage.query}, results
 * stored with {@code storage.write} and read back with {@code storage.read}.
 */
class RealStoragePluginTest {
  @TempDir
  Path tmp;

  private Kernel kernel;

  @AfterEach
  void stop() {
    if (kernel != null) {
      kernel.close();
    }
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void objectLookupEnrichment_andStorageWriteSink_againstTheStoragePlugin() throws Exception {
    Path cfg = tmp.resolve("dw.yaml");
    Files.writeString(cfg, "streaming: {}\n");
    kernel = Kernel.builder().configFile(cfg).dataDir(tmp.resolve("data")).build();
    kernel.start();
    assertThat(kernel.pluginIds()).contains("storage", "streaming");
    assertThat(kernel.pluginState("storage")).isEqualTo(Kernel.PluginState.RUNNING);
    MessageBus bus = kernel.bus();
    bus.requestSync(Message.json("storage.write", Map.of("key", "tiers/c1", "contentBase64", b64("gold"))),
        Duration.ofSeconds(30));

    JsonNode spec = Json.tree("""
        {"source": {"topic": "orders.in"},
         "enrich": {"topic": "storage.query", "as": "tier", "cacheTtl": "1m", "negativeTtl": "1m",
                    "request": {"store": "default", "key": "$.tierKey", "content": true}},
         "sink": {"store": "default", "key": "$.out"}}""".getBytes(StandardCharsets.UTF_8), "spec");
    bus.requestSync(Message.json(StreamingPlugin.PIPELINE_START, Map.of("name", "orders", "spec", spec)),
        Duration.ofSeconds(30));
    await().until(() -> bus.requestSync(Message.json(StreamingPlugin.PIPELINE_STATUS, Map.of("name", "orders")),
        Duration.ofSeconds(30)).jsonTree().get("state").asText().equals("RUNNING"));
    bus.publish(Message.json("orders.in", Map.of("id", "c1", "tierKey", "tiers/c1", "out", "enriched/c1")));
    bus.publish(Message.json("orders.in", Map.of("id", "c2", "tierKey", "tiers/c2", "out", "enriched/c2")));

    JsonNode c1 = await().until(() -> read(bus, "enriched/c1"), n -> n != null);
    assertThat(new String(Base64.getDecoder().decode(c1.get("tier").get("contentBase64").asText()),
        StandardCharsets.UTF_8)).isEqualTo("gold");
    JsonNode c2 = await().until(() -> read(bus, "enriched/c2"), n -> n != null);
    assertThat(c2.get("tier").isNull()).as("a missing object is a negative answer").isTrue();
  }

  /** The stored JSON record under {@code key}, or null while it is not there. */
  private static JsonNode read(MessageBus bus, String key) {
    try {
      JsonNode r = bus.requestSync(Message.json("storage.read", Map.of("key", key)), Duration.ofSeconds(30)).jsonTree();
      return Json.tree(Base64.getDecoder().decode(r.get("contentBase64").asText()), key);
    } catch (io.datawarehouse.sdk.DwException e) {
      if (e.code() == io.datawarehouse.sdk.ErrorCode.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }
}
