package io.datawarehouse.intelligence.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.intelligence.embedding.EmbeddingProvider;
import io.datawarehouse.intelligence.embedding.HashEmbeddingProvider;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SemanticClusterIndexTest {
  @TempDir Path dir;

  /** Counts texts embedded, to prove a restart embeds nothing. */
  static final class CountingProvider implements EmbeddingProvider {
    final HashEmbeddingProvider inner = new HashEmbeddingProvider(384);
    final AtomicInteger embedded = new AtomicInteger();

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public String modelId() {
      return inner.modelId();
    }

    @Override
    public int dimension() {
      return inner.dimension();
    }

    @Override
    public boolean deterministic() {
      return true;
    }

    @Override
    public float[] embed(String text) {
      embedded.incrementAndGet();
      return inner.embed(text);
    }
  }

  static final String[][] TOPICS = {
      {"storage", "disk array rebuild parity stripe mirror raid controller sector"},
      {"cooking", "oven bake flour sugar butter recipe dough cake chocolate"},
      {"network", "router packet latency bandwidth tcp socket firewall port switch"},
  };

  static List<SearchDocument> corpus() {
    List<SearchDocument> docs = new ArrayList<>();
    for (String[] topic : TOPICS) {
      String[] words = topic[1].split(" ");
      for (int i = 0; i < 20; i++) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < 6; j++) {
          sb.append(words[(i * 7 + j * 3) % words.length]).append(' ');
        }
        docs.add(new SearchDocument(topic[0] + "-" + i, sb.toString().trim(),
            Map.of("topic", topic[0], "n", i, "tags", List.of("t" + (i % 3)))));
      }
    }
    return docs;
  }

  private SemanticClusterIndex open(EmbeddingProvider p) {
    return SemanticClusterIndex.open("docs", dir.resolve("docs"), p, 16, 100, 64, 25);
  }

  @Test
  void search_denseLexicalHybrid_findTheTopic() {
    try (SemanticClusterIndex c = open(new CountingProvider())) {
      c.apply(corpus(), List.of());
      for (SearchMode mode : SearchMode.values()) {
        SearchResult r = c.search(SearchQuery.text("bake a chocolate cake", 5).withMode(mode));
        assertThat(r.hits()).as(mode.name()).hasSize(5);
        assertThat(r.hits()).allSatisfy(h -> assertThat(h.id()).startsWith("cooking-"));
      }
      SearchResult hybrid = c.search(SearchQuery.text("tcp packet latency", 3).withMode(SearchMode.HYBRID));
      assertThat(hybrid.plan()).isEqualTo("hnsw+bm25");
      assertThat(hybrid.hits().get(0).denseScore()).isNotNull();
      assertThat(hybrid.hits().get(0).lexicalScore()).isNotNull();
      assertThat(hybrid.embeddingModel()).isEqualTo("hash-v1-d384");
    }
  }

  @Test
  void search_withFilter_onlyMatchingAndExactPlanWhenSelective() {
    try (SemanticClusterIndex c = open(new CountingProvider())) {
      c.apply(corpus(), List.of());
      SearchResult r = c.search(SearchQuery.text("raid disk", 10).withFilter(Map.of("topic", "network")));
      assertThat(r.plan()).isEqualTo("exact");
      assertThat(r.hits()).hasSize(10).allSatisfy(h -> assertThat(h.metadata()).containsEntry("topic", "network"));
      SearchResult any = c.search(SearchQuery.text("raid disk", 50)
          .withFilter(Map.of("tags", List.of("t1", "t2"), "n", List.of(1, 2.0, 4))));
      assertThat(any.hits()).extracting(SearchHit::id).allSatisfy(id -> assertThat(id).matches(".*-(1|2|4)"));
      assertThat(any.hits()).allSatisfy(h -> assertThat(h.metadata().get("n")).isNotEqualTo(3));
    }
  }

  @Test
  void apply_updateAndDelete_visibleAtOnce() {
    try (SemanticClusterIndex c = open(new CountingProvider())) {
      c.apply(corpus(), List.of());
      c.apply(List.of(new SearchDocument("storage-0", "quantum chromodynamics gluon", Map.of())), List.of("cooking-1"));
      assertThat(c.search(SearchQuery.text("gluon chromodynamics", 1)).hits().get(0).id()).isEqualTo("storage-0");
      assertThat(c.contains("cooking-1")).isFalse();
      assertThat(c.search(SearchQuery.text("cake dough", 60)).hits()).extracting(SearchHit::id)
          .doesNotContain("cooking-1");
      assertThat(c.stats().documents()).isEqualTo(59);
    }
  }

  @Test
  void reopen_afterRestart_sameResultsWithoutReembedding() {
    List<SearchHit> before;
    try (SemanticClusterIndex c = open(new CountingProvider())) {
      c.apply(corpus(), List.of("storage-3"));
      c.apply(List.of(new SearchDocument("extra", "firewall port rules", Map.of("topic", "network"))), List.of());
      before = c.search(SearchQuery.text("firewall socket", 8).withMode(SearchMode.HYBRID)).hits();
    }
    CountingProvider p = new CountingProvider();
    try (SemanticClusterIndex c = open(p)) {
      assertThat(p.embedded.get()).isZero();
      List<SearchHit> after = c.search(SearchQuery.text("firewall socket", 8).withMode(SearchMode.HYBRID)).hits();
      assertThat(after).extracting(SearchHit::id).isEqualTo(before.stream().map(SearchHit::id).toList());
      assertThat(c.stats().documents()).isEqualTo(60);
    }
  }

  @Test
  void reopen_corruptSnapshot_rebuiltFromLog() throws Exception {
    try (SemanticClusterIndex c = open(new CountingProvider())) {
      c.apply(corpus(), List.of());
    }
    Path snap = dir.resolve("docs/vectors.hnsw");
    assertThat(snap).exists();
    byte[] b = Files.readAllBytes(snap);
    b[b.length / 3] ^= 0x40;
    Files.write(snap, b);
    try (SemanticClusterIndex c = open(new CountingProvider())) {
      assertThat(c.stats().documents()).isEqualTo(60);
      assertThat(c.search(SearchQuery.text("oven flour", 3)).hits()).allSatisfy(h -> assertThat(h.id())
          .startsWith("cooking-"));
    }
  }

  @Test
  void reopen_tornLastLogRecord_cutAndEarlierRecordsKept() throws Exception {
    try (SemanticClusterIndex c = SemanticClusterIndex.open("docs", dir.resolve("docs"), new CountingProvider(), 16,
        100, 64, 1_000_000)) {
      c.apply(corpus().subList(0, 10), List.of());
      c.apply(corpus().subList(10, 11), List.of());
    }
    Path log = dir.resolve("docs/docs.log");
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      f.setLength(f.length() - 5); // a crash in the middle of the last append
    }
    try (SemanticClusterIndex c = open(new CountingProvider())) {
      assertThat(c.stats().documents()).isEqualTo(10);
      assertThat(c.contains("storage-10")).isFalse();
      c.apply(corpus().subList(10, 12), List.of());
      assertThat(c.stats().documents()).isEqualTo(12);
    }
  }

  @Test
  void open_otherEmbeddingModel_failedPrecondition() {
    try (SemanticClusterIndex c = open(new CountingProvider())) {
      c.apply(corpus().subList(0, 3), List.of());
    }
    assertThatThrownBy(() -> SemanticClusterIndex.open("docs", dir.resolve("docs"), new HashEmbeddingProvider(64), 16,
        100, 64, 25))
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
        .hasMessageContaining("hash-v1-d384");
  }

  @Test
  void clusters_threeTopics_groupedAndRoutable() {
    try (SemanticClusterIndex c = open(new CountingProvider())) {
      c.apply(corpus(), List.of());
      List<TopicCluster> clusters = c.clusters();
      assertThat(clusters).hasSizeGreaterThanOrEqualTo(3);
      assertThat(clusters.stream().mapToInt(TopicCluster::size).sum()).isEqualTo(60);
      // every cluster is pure: its example documents share one topic
      for (TopicCluster t : clusters) {
        assertThat(t.examples().stream().map(id -> id.substring(0, id.indexOf('-'))).distinct()).hasSize(1);
        assertThat(t.terms()).isNotEmpty();
      }
      SearchResult routed = c.search(SearchQuery.text("router bandwidth", 5).withClusters(1));
      assertThat(routed.hits()).allSatisfy(h -> assertThat(h.id()).startsWith("network-"));
    }
  }
}
