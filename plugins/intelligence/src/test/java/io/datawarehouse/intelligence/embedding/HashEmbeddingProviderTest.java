package io.datawarehouse.intelligence.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class HashEmbeddingProviderTest {
  private final HashEmbeddingProvider hash = new HashEmbeddingProvider(384);

  static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static String sha256(float[] v) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4);
    for (float x : v) {
      b.putInt(Float.floatToRawIntBits(x));
    }
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
  }

  @Test
  void embed_fixedText_sameBitsOnEveryMachineAndRun() throws Exception {
    // pinned: any change to normalisation, features, weights or hashing changes these bits and
    // must come with a new model id (hash-v2-...)
    float[] v = hash.embed("The quick brown fox jumps over the lazy dog. Café, naïve résumé!");
    assertThat(sha256(v)).isEqualTo(GOLDEN);
    assertThat(hash.modelId()).isEqualTo("hash-v1-d384");
  }

  static final String GOLDEN = "f5291b2ae8044ab64031c29c38def90e6a8b051e1961ebb696fb5ff58e34434f";

  @Property(tries = 100)
  void embed_anyText_unitLengthOrZeroAndRepeatable(@ForAll String text) {
    float[] a = hash.embed(text);
    float[] b = hash.embed(text);
    assertThat(a).containsExactly(b);
    float norm = dot(a, a);
    if (HashEmbeddingProvider.words(text).isEmpty()) {
      assertThat(norm).isZero();
    } else {
      assertThat(norm).isCloseTo(1f, within(1e-4f));
    }
  }

  @Test
  void embed_similarTexts_closerThanUnrelated() {
    float[] a = hash.embed("how to configure the backup retention policy");
    float[] b = hash.embed("configuring retention policies for backups");
    float[] c = hash.embed("chocolate cake recipe with strawberries");
    assertThat(dot(a, b)).isGreaterThan(dot(a, c) + 0.2f);
  }

  @Test
  void words_accentsCaseAndPunctuation_normalised() {
    assertThat(HashEmbeddingProvider.words("Café NAÏVE, don't-stop 42x"))
        .containsExactly("cafe", "naive", "don", "t", "stop", "42x");
  }

  @Test
  void open_namesAndAuto_chooseProvider() {
    EmbeddingOptions o = EmbeddingOptions.defaults();
    try (EmbeddingProvider p = EmbeddingProviders.open(o.withProvider("hash"))) {
      assertThat(p.name()).isEqualTo("hash");
      assertThat(p.health().details()).containsEntry("mode", "hash").containsEntry("dimension", 384);
    }
    assertThatThrownBy(() -> EmbeddingProviders.open(o.withProvider("word2vec")))
        .hasMessageContaining("unknown embedding provider 'word2vec'; known: auto, hash, onnx");
    assertThat(EmbeddingProviders.factories()).containsKeys("hash", "onnx");
  }

  @Test
  void embedBatch_sameAsOneByOne() {
    List<float[]> batch = hash.embedBatch(List.of("alpha beta", "gamma"));
    assertThat(batch.get(0)).containsExactly(hash.embed("alpha beta"));
    assertThat(batch.get(1)).containsExactly(hash.embed("gamma"));
  }
}
