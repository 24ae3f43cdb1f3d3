package io.datawarehouse.intelligence.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.intelligence.embedding.EmbeddingProvider;
import io.datawarehouse.intelligence.embedding.HashEmbeddingProvider;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding provider (a model that takes seconds and hundreds of MB to load) is created at the
 * first request that needs it, once; a process that never searches never creates it, and a health
 * check does not either. Collections written before a restart are found at that first request.
 */
class SemanticSearchServiceLazyTest {
  @TempDir Path dir;

  private static Config search() {
    return Config.defaults("intelligence.search", SemanticSearchService.searchConfig());
  }

  @Test
  void providerAndCollections_openAtTheFirstRequest_once() {
    AtomicInteger created = new AtomicInteger();
    java.util.function.Supplier<EmbeddingProvider> factory = () -> {
      created.incrementAndGet();
      return new HashEmbeddingProvider(64);
    };
    try (SemanticSearchService s = new SemanticSearchService(dir, factory, search())) {
      Health h = s.health();
      assertThat(h.status()).isEqualTo(Health.Status.UP);
      assertThat(h.message()).contains("not opened yet");
      assertThat(created).hasValue(0);
      s.index(new SearchMessages.IndexRequest("notes", List.of(new SearchMessages.Doc("a", "disks and files", Map.of())), null));
      assertThat(created).hasValue(1);
      assertThat(s.collections(null).collections()).hasSize(1);
      assertThat(s.health().message()).isEqualTo("1 collections");
      assertThat(created).hasValue(1);
    }
    assertThat(created).hasValue(1);
    // reopened: still nothing created until a request, then the collection written before is there
    try (SemanticSearchService s = new SemanticSearchService(dir, factory, search())) {
      assertThat(created).hasValue(1);
      SearchMessages.SearchReply r = s.search(new SearchMessages.SearchRequest("notes", "files", null, 5, null, null, null,
          null, null));
      assertThat(r.hits()).extracting(SearchMessages.Hit::id).containsExactly("a");
      assertThat(created).hasValue(2);
    }
  }

  @Test
  void closedBeforeAnyRequest_createsNothing() {
    AtomicInteger created = new AtomicInteger();
    try (SemanticSearchService s = new SemanticSearchService(dir, () -> {
      created.incrementAndGet();
      return new HashEmbeddingProvider(64);
    }, search())) {
      assertThat(s.health().status()).isEqualTo(Health.Status.UP);
    }
    assertThat(created).hasValue(0);
  }
}
