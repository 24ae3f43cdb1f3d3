package io.datawarehouse.intelligence.embedding;

import io.datawarehouse.sdk.Health;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns texts into dense vectors. Implementations: {@link HashEmbeddingProvider} (deterministic
 * feature hashing, no model) and {@link OnnxEmbeddingProvider} (a sentence-embedding model run by
 * ONNX Runtime); {@link EmbeddingProviders} chooses one from configuration by name, and other
 * modules may add theirs through {@link EmbeddingProviderFactory}.
 *
 * <p>Every vector has {@link #dimension()} components and is L2-normalised (or all zero for a
 * text with no features), so cosine similarity is the dot product. Implementations are
 * thread-safe.
 */
public interface EmbeddingProvider extends AutoCloseable {

  /** The provider's registered name ("hash", "onnx"). */
  String name();

  /**
   * What produced the vectors, precisely enough that vectors with different ids must not be
   * compared ("hash-v1-d384", "onnx:all-minilm-l6-v2"). Stored with every index built from them.
   */
  String modelId();

  /** The length of every vector. */
  int dimension();

  /** Whether the same text gives bit-identical vectors on every machine and run. */
  boolean deterministic();

  /** The vector of one text. */
  float[] embed(String text);

  /** The vectors of several texts, in order; implementations batch where that is faster. */
  default List<float[]> embedBatch(List<String> texts) {
    List<float[]> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(embed(t));
    }
    return out;
  }

  /** Which mode the provider runs in, with its model id and dimension as details. */
  default Health health() {
    return Health.up(name() + " embeddings")
        .withDetail("mode", name())
        .withDetail("modelId", modelId())
        .withDetail("dimension", dimension())
        .withDetail("deterministic", deterministic());
  }

  /** Releases native resources; the provider must not be used afterwards. */
  @Override
  default void close() {}
}
