package io.datawarehouse.intelligence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin started with hash embeddings, driven over the kernel's in-process bus. */
class IntelligencePluginTest {
  private static final Duration T = Duration.ofSeconds(30);
  @TempDir Path dir;
  private final InProcessMessageBus bus = new InProcessMessageBus();
  private IntelligencePlugin plugin;

  @BeforeEach
  void start() throws Exception {
    plugin = new IntelligencePlugin();
    Config cfg = plugin.configDef().parse("intelligence",
        Json.mapper().readTree("{\"embedding\":{\"provider\":\"hash\",\"hashDimension\":64}}"));
    plugin.start(TestContext.of(bus, cfg, dir));
  }

  @AfterEach
  void stop() throws Exception {
    plugin.stop();
    bus.close();
  }

  private JsonNode request(String topic, String json) {
    return bus.requestSync(Message.builder(topic).payload(json.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .contentType(Message.JSON).build(), T).jsonTree();
  }

  @Test
  void serviceLoader_findsThePlugin() {
    assertThat(ServiceLoader.load(Plugin.class).stream().map(p -> p.get().id())).contains("intelligence");
  }

  @Test
  void indexSearchEmbedCollections_overTheBus() {
    JsonNode idx = request("intelligence.index", """
        {"collection":"kb","documents":[
          {"id":"a","text":"rebuild a degraded raid array","metadata":{"team":"storage"}},
          {"id":"b","text":"bake bread with sourdough","metadata":{"team":"kitchen"}},
          {"id":"c","text":"replace a failed disk in the array","metadata":{"team":"storage"}}]}""");
    assertThat(idx.get("indexed").asInt()).isEqualTo(3);
    assertThat(idx.get("documents").asInt()).isEqualTo(3);
    assertThat(idx.get("embeddingModel").asText()).isEqualTo("hash-v1-d64");

    JsonNode res = request("intelligence.search.semantic", """
        {"collection":"kb","query":"failed disk array","k":2,"mode":"hybrid","filter":{"team":"storage"}}""");
    assertThat(res.get("mode").asText()).isEqualTo("hybrid");
    assertThat(res.get("embeddingMode").asText()).isEqualTo("hash");
    assertThat(res.get("hits")).hasSize(2);
    assertThat(res.get("hits").get(0).get("id").asText()).isEqualTo("c");
    assertThat(res.get("hits").get(0).get("metadata").get("team").asText()).isEqualTo("storage");

    JsonNode emb = request("intelligence.embed", "{\"texts\":[\"x y\",\"z\"]}");
    assertThat(emb.get("dimension").asInt()).isEqualTo(64);
    assertThat(emb.get("vectors")).hasSize(2);
    assertThat(emb.get("vectors").get(0)).hasSize(64);

    // a query by vector
    String vec = emb.get("vectors").get(0).toString();
    JsonNode byVec = request("intelligence.search.semantic", "{\"collection\":\"kb\",\"vector\":" + vec + ",\"k\":1}");
    assertThat(byVec.get("hits")).hasSize(1);

    request("intelligence.index", "{\"collection\":\"kb\",\"delete\":[\"b\"]}");
    JsonNode cols = request("intelligence.collections", "{\"clusters\":true}");
    assertThat(cols.get("collections").get(0).get("stats").get("documents").asInt()).isEqualTo(2);

    Health h = plugin.health();
    assertThat(h.status()).isEqualTo(Health.Status.UP);
    assertThat(h.components().get("search").components().get("embeddings").details()).containsEntry("mode", "hash");
  }

  @Test
  void badRequests_clearErrorsWithCodes() {
    assertThatThrownBy(() -> request("intelligence.search.semantic", "{\"collection\":\"nope\",\"query\":\"x\"}"))
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThatThrownBy(() -> request("intelligence.index", "{\"collection\":\"kb\",\"documents\":[],\"oops\":1}"))
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("oops");
    assertThatThrownBy(() -> request("intelligence.index", "{\"collection\":\"Bad Name\",\"documents\":[{\"id\":\"a\",\"text\":\"t\"}]}"))
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    request("intelligence.index", "{\"collection\":\"kb\",\"documents\":[{\"id\":\"a\",\"text\":\"t u\"}]}");
    assertThatThrownBy(() -> request("intelligence.search.semantic",
        "{\"collection\":\"kb\",\"query\":\"t\",\"mode\":\"fuzzy\"}"))
        .hasMessageContaining("unknown search mode 'fuzzy'");
    assertThatThrownBy(() -> request("intelligence.search.semantic",
        "{\"collection\":\"kb\",\"vector\":[1,2],\"k\":1}"))
        .hasMessageContaining("2 dimensions");
  }

  @Test
  void restart_collectionsSurvive() throws Exception {
    request("intelligence.index", "{\"collection\":\"kb\",\"documents\":[{\"id\":\"a\",\"text\":\"hello world\"}]}");
    plugin.stop();
    start();
    JsonNode res = request("intelligence.search.semantic", "{\"collection\":\"kb\",\"query\":\"hello\"}");
    assertThat(res.get("hits").get(0).get("id").asText()).isEqualTo("a");
  }
}
