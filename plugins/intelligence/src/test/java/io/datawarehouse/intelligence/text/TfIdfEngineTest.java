package io.datawarehouse.intelligence.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfIdfEngineTest {
  @TempDir Path dir;

  private static TfIdfEngine corpus() {
    TfIdfEngine e = new TfIdfEngine(TextAnalyzer.named("english"), 256);
    e.put("raid", "RAID arrays rebuild failed disks from parity; a rebuild reads every disk.");
    e.put("backup", "Backups are encrypted and deduplicated; restore validates every backup.");
    e.put("search", "Semantic search ranks documents by embeddings and BM25 scores.");
    e.put("cake", "Bake the cake for forty minutes and let it cool.");
    return e;
  }

  @Test
  void analyzer_english_stemsAndDropsStopWords() {
    assertThat(TextAnalyzer.named("english").terms("The disks were rebuilding"))
        .containsExactly("disk", "were", "rebuild");
    assertThatThrownBy(() -> TextAnalyzer.named("klingon")).hasMessageContaining("known: english, standard");
  }

  @Test
  void put_incrementally_updatesDocumentFrequencies() {
    TfIdfEngine e = corpus();
    assertThat(e.documents()).isEqualTo(4);
    assertThat(e.documentFrequency("rebuild")).isEqualTo(1);
    e.put("raid2", "rebuilding a mirror");
    assertThat(e.documentFrequency("rebuild")).isEqualTo(2);
    e.put("raid2", "mirrors only"); // replace: the old terms leave
    assertThat(e.documentFrequency("rebuild")).isEqualTo(1);
    assertThat(e.remove("raid")).isTrue();
    assertThat(e.documentFrequency("rebuild")).isZero();
    assertThat(e.remove("raid")).isFalse();
    assertThat(e.documents()).isEqualTo(4);
  }

  @Test
  void vector_sublinearTfSmoothedIdf_l2Normalised() {
    TfIdfEngine e = corpus();
    SparseVector v = e.documentVector("raid");
    float sum = 0;
    for (float w : v.weights()) {
      sum += w * w;
    }
    assertThat(sum).isCloseTo(1f, within(1e-5f));
    // two documents: in "a", alpha has tf 2 and beta tf 1, both df 1
    TfIdfEngine small = new TfIdfEngine(TextAnalyzer.named("standard"), 64);
    small.put("a", "alpha alpha beta");
    small.put("b", "gamma");
    SparseVector a = small.documentVector("a");
    assertThat(a.size()).isEqualTo(2);
    assertThat((double) maxWeight(a) / minWeight(a)).isCloseTo(1 + Math.log(2), within(1e-5));
    double idf = Math.log((1.0 + 2) / (1.0 + 1)) + 1;
    double norm = Math.sqrt(Math.pow((1 + Math.log(2)) * idf, 2) + idf * idf);
    assertThat((double) minWeight(a)).isCloseTo(idf / norm, within(1e-6));
  }

  private static float maxWeight(SparseVector v) {
    float m = 0;
    for (float w : v.weights()) {
      m = Math.max(m, w);
    }
    return m;
  }

  private static float minWeight(SparseVector v) {
    float m = Float.MAX_VALUE;
    for (float w : v.weights()) {
      m = Math.min(m, w);
    }
    return m;
  }

  @Test
  void bm25AndCosine_rankTheRelevantDocumentFirst() {
    TfIdfEngine e = corpus();
    assertThat(e.bm25("how do disks rebuild", 2, null).get(0).key()).isEqualTo("raid");
    assertThat(e.cosine("restore an encrypted backup", 2, null).get(0).key()).isEqualTo("backup");
    assertThat(e.bm25("disk", 5, k -> !k.equals("raid"))).isEmpty();
    assertThat(e.bm25("unknownword", 5, null)).isEmpty();
  }

  @Test
  void dense_projection_preservesSimilarityOrder() {
    TfIdfEngine e = corpus();
    float[] raid = e.dense(e.documentVector("raid"));
    float[] q = e.dense("disk rebuild parity");
    float[] cake = e.dense(e.documentVector("cake"));
    assertThat(raid).hasSize(256);
    assertThat(dot(q, raid)).isGreaterThan(dot(q, cake) + 0.3f);
    assertThat(dot(raid, raid)).isCloseTo(1f, within(1e-4f));
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Test
  void saveLoad_roundTrip_sameScoresAndCheckpoint() throws Exception {
    TfIdfEngine e = corpus();
    e.remove("cake");
    Path f = dir.resolve("tfidf.idx");
    e.save(f, 77);
    TfIdfEngine loaded = TfIdfEngine.load(f);
    assertThat(loaded.checkpoint()).isEqualTo(77);
    assertThat(loaded.documents()).isEqualTo(3);
    List<LexicalHit> a = e.bm25("backup disk search", 3, null);
    assertThat(loaded.bm25("backup disk search", 3, null)).isEqualTo(a);
    assertThat(loaded.documentVector("raid")).isEqualTo(e.documentVector("raid"));
    loaded.put("cake", "cake again");
    assertThat(loaded.documentFrequency("cake")).isEqualTo(1);

    byte[] bytes = Files.readAllBytes(f);
    bytes[bytes.length / 2] ^= 1;
    Path bad = dir.resolve("bad.idx");
    Files.write(bad, bytes);
    assertThatThrownBy(() -> TfIdfEngine.load(bad))
        .satisfies(x -> assertThat(((DwException) x).code()).isEqualTo(ErrorCode.INTEGRITY))
        .hasMessageContaining("bad.idx");
  }
}
