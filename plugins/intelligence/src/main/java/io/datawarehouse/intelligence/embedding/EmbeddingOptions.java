package io.datawarehouse.intelligence.embedding;

import io.datawarehouse.sdk.DwException;
import java.nio.file.Path;

/**
 * How to create an embedding provider.
 *
 * @param provider "auto" (ONNX when a model is configured or bundled on the class path, else
 *     hash), "hash", "onnx", or the name of another {@link EmbeddingProviderFactory}
 * @param hashDimension dimension of the hash provider's vectors (8..8192)
 * @param onnxModel path of an ONNX sentence-embedding model, or null for the bundled
 *     all-MiniLM-L6-v2
 * @param onnxTokenizer path of its Hugging Face {@code tokenizer.json}; required with onnxModel
 * @param maxTokens tokens per text fed to the model (longer texts are truncated), 8..512
 * @param batchSize texts per model call, 1..1024
 */
public record EmbeddingOptions(
    String provider, int hashDimension, Path onnxModel, Path onnxTokenizer, int maxTokens, int batchSize) {

  public static EmbeddingOptions defaults() {
    return new EmbeddingOptions("auto", 384, null, null, 256, 32);
  }

  public EmbeddingOptions {
    if (provider == null || provider.isBlank()) {
      throw DwException.invalidArgument("embedding provider name is empty; use auto, hash or onnx");
    }
    if (hashDimension < 8 || hashDimension > 8192) {
      throw DwException.invalidArgument("hash embedding dimension must be in 8..8192, was " + hashDimension);
    }
    if ((onnxModel == null) != (onnxTokenizer == null)) {
      throw DwException.invalidArgument("an ONNX model needs its tokenizer.json and the other way round: model="
          + onnxModel + ", tokenizer=" + onnxTokenizer);
    }
    if (maxTokens < 8 || maxTokens > 512) {
      throw DwException.invalidArgument("maxTokens must be in 8..512, was " + maxTokens);
    }
    if (batchSize < 1 || batchSize > 1024) {
      throw DwException.invalidArgument("batchSize must be in 1..1024, was " + batchSize);
    }
  }

  public EmbeddingOptions withProvider(String name) {
    return new EmbeddingOptions(name, hashDimension, onnxModel, onnxTokenizer, maxTokens, batchSize);
  }
}
