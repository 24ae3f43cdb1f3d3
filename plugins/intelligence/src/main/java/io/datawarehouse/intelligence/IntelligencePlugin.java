package io.datawarehouse.intelligence;

import io.datawarehouse.intelligence.memory.MemoryService;
import io.datawarehouse.intelligence.search.SemanticSearchService;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.config.ConfigDef;

/**
 * The intelligence plugin: embeddings, TF-IDF/BM25, the HNSW vector index and semantic search over
 * the bus (and, from its sibling services, the memory store). Each feature is wired by its own
 * service class, created in {@link #start} and closed in {@link #stop}; this class only sequences
 * them and aggregates their health.
 *
 * <p>Configuration: {@code intelligence.embedding.*} and {@code intelligence.search.*} (see the
 * module README).
 */
public final class IntelligencePlugin implements Plugin {
  private volatile SemanticSearchService search;
  private volatile MemoryService memory;

  @Override
  public String id() {
    return "intelligence";
  }

  @Override
  public String description() {
    return "AI memory, embeddings, TF-IDF/BM25, HNSW vector index and semantic search";
  }

  @Override
  public ConfigDef configDef() {
    return ConfigDef.builder()
        .section("embedding", SemanticSearchService.embeddingConfig(), "how texts become vectors")
        .section("search", SemanticSearchService.searchConfig(), "semantic search collections and the HNSW index")
        .section("persistence", MemoryService.configDef(), "the AI memory store: its backend and limits")
        .build();
  }

  @Override
  public void start(PluginContext context) {
    SemanticSearchService s = SemanticSearchService.open(context.dataDir(),
        context.config().getSection("embedding"), context.config().getSection("search"));
    search = s;
    s.subscribe(context.bus());
    memory = MemoryService.open(context, context.config().getSection("persistence"));
    memory.subscribe(context.bus());
  }

  @Override
  public void stop() {
    MemoryService m = memory;
    memory = null;
    if (m != null) {
      m.close();
    }
    SemanticSearchService s = search;
    search = null;
    if (s != null) {
      s.close();
    }
  }

  @Override
  public Health health() {
    SemanticSearchService s = search;
    if (s == null) {
      return Health.down("not started");
    }
    Health h = Health.up().withComponent("search", s.health());
    MemoryService m = memory;
    return m == null ? h : h.withComponent("memory", m.health());
  }
}
