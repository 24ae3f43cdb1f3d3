package io.datawarehouse.intelligence.embedding;

/**
 * Creates {@link EmbeddingProvider}s of one kind; found with {@link java.util.ServiceLoader}
 * (list implementations in {@code META-INF/services/io.datawarehouse.intelligence.embedding.EmbeddingProviderFactory})
 * and chosen by {@link #name()} in {@link EmbeddingProviders#open}.
 */
public interface EmbeddingProviderFactory {

  /** The name configuration uses: lower-case letters and digits. */
  String name();

  /**
   * Whether this factory can serve with {@code options} on this machine (a model file present, a
   * native library loadable). Used by {@code provider: auto}.
   */
  default boolean available(EmbeddingOptions options) {
    return true;
  }

  /**
   * A new provider.
   *
   * @throws io.datawarehouse.sdk.DwException INVALID_ARGUMENT for bad options, UNAVAILABLE when a
   *     model cannot be loaded
   */
  EmbeddingProvider create(EmbeddingOptions options);
}
