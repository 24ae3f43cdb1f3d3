package io.datawarehouse.intelligence.embedding;

import static io.datawarehouse.intelligence.embedding.HashEmbeddingProviderTest.dot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real all-MiniLM-L6-v2 model from the class path, run by ONNX Runtime. */
class OnnxEmbeddingProviderTest {
  private static EmbeddingProvider onnx;

  @BeforeAll
  static void open() {
    onnx = EmbeddingProviders.open(EmbeddingOptions.defaults()); // auto: the bundled model is on the test class path
  }

  @AfterAll
  static void close() {
    onnx.close();
  }

  @Test
  void auto_bundledModelPresent_runsOnnxAndHealthSaysSo() {
    assertThat(onnx.name()).isEqualTo("onnx");
    assertThat(onnx.modelId()).isEqualTo("onnx:all-minilm-l6-v2");
    assertThat(onnx.dimension()).isEqualTo(384);
    assertThat(onnx.health().details()).containsEntry("mode", "onnx").containsEntry("source",
        "classpath:all-minilm-l6-v2.onnx");
  }

  @Test
  void embed_sentences_unitLengthAndSemanticallyOrdered() {
    float[] a = onnx.embed("A man is eating food.");
    float[] b = onnx.embed("Someone is having a meal.");
    float[] c = onnx.embed("The stock market fell sharply on Monday.");
    assertThat(dot(a, a)).isCloseTo(1f, within(1e-4f));
    // no shared content word between a and b, yet the model puts them close
    assertThat(dot(a, b)).isGreaterThan(dot(a, c) + 0.2f);
  }

  @Test
  void embedBatch_paddedBatch_sameAsOneByOne() {
    List<String> texts = List.of("short", "a considerably longer sentence that needs more tokens than the first one",
        "");
    List<float[]> batch = onnx.embedBatch(texts);
    for (int i = 0; i < texts.size(); i++) {
      float[] single = onnx.embed(texts.get(i));
      assertThat(dot(batch.get(i), single)).isCloseTo(1f, within(1e-4f));
    }
  }

  @Test
  void open_missingModelFile_unavailableNamingIt() {
    EmbeddingOptions o = new EmbeddingOptions("onnx", 384, Path.of("/nonexistent/model.onnx"),
        Path.of("/nonexistent/tokenizer.json"), 128, 8);
    assertThatThrownBy(() -> EmbeddingProviders.open(o)).hasMessageContaining("/nonexistent/model.onnx");
  }
}
