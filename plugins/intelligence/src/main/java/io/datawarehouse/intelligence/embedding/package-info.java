/**
 * Text embeddings. Start at the SPI {@link io.datawarehouse.intelligence.embedding.EmbeddingProvider}
 * and {@link io.datawarehouse.intelligence.embedding.EmbeddingProviders#open}; the implementations
 * are {@link io.datawarehouse.intelligence.embedding.HashEmbeddingProvider} (deterministic, no
 * model) and {@link io.datawarehouse.intelligence.embedding.OnnxEmbeddingProvider}.
 */
package io.datawarehouse.intelligence.embedding;
