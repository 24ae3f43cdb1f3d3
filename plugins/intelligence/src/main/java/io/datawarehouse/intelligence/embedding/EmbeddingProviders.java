package io.datawarehouse.intelligence.embedding;

import io.datawarehouse.sdk.DwException;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds embedding providers by name through {@link ServiceLoader}. */
public final class EmbeddingProviders {
  private EmbeddingProviders() {}

  /** The registered factories by name. */
  public static Map<String, EmbeddingProviderFactory> factories() {
    Map<String, EmbeddingProviderFactory> out = new TreeMap<>();
    for (EmbeddingProviderFactory f : ServiceLoader.load(EmbeddingProviderFactory.class,
        EmbeddingProviders.class.getClassLoader())) {
      out.putIfAbsent(f.name(), f);
    }
    return out;
  }

  /**
   * A provider for {@code options}. "auto" takes "onnx" when it is available (a configured or
   * bundled model) and "hash" otherwise.
   *
   * @throws DwException INVALID_ARGUMENT naming the known providers for an unknown name
   */
  public static EmbeddingProvider open(EmbeddingOptions options) {
    return factoryFor(options).create(options);
  }

  /**
   * The factory {@link #open} would create the provider with, chosen without creating it (cheap:
   * loading a model is left to {@link EmbeddingProviderFactory#create}).
   *
   * @throws DwException INVALID_ARGUMENT naming the known providers for an unknown name
   */
  public static EmbeddingProviderFactory factoryFor(EmbeddingOptions options) {
    Map<String, EmbeddingProviderFactory> all = factories();
    String name = options.provider().trim().toLowerCase(Locale.ROOT);
    if (name.equals("auto")) {
      EmbeddingProviderFactory onnx = all.get(OnnxEmbeddingProvider.NAME);
      name = onnx != null && onnx.available(options) ? OnnxEmbeddingProvider.NAME : HashEmbeddingProvider.NAME;
    }
    EmbeddingProviderFactory f = all.get(name);
    if (f == null) {
      throw DwException.invalidArgument("unknown embedding provider '" + options.provider() + "'; known: auto, "
          + String.join(", ", all.keySet()));
    }
    return f;
  }
}
