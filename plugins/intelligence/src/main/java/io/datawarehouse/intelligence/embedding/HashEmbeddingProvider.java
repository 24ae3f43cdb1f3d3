package io.datawarehouse.intelligence.embedding;

import io.datawarehouse.intelligence.internal.VectorMath;
import io.datawarehouse.intelligence.embedding.internal.Murmur3;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Health;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Deterministic embeddings without a model: signed feature hashing (Weinberger et al., 2009) of a
 * text's words, word pairs and character n-grams, L2-normalised. Same text, same vector, on every
 * machine and run: nothing here is random, and the hash is MurmurHash3 of UTF-8 bytes.
 *
 * <p>Exactly, version 1 ({@link #modelId()} {@code hash-v1-d<dimension>}):
 *
 * <ol>
 *   <li>Normalise: Unicode NFKD, drop combining marks (accents), lower-case (root locale).
 *   <li>Words: maximal runs of letters and digits.
 *   <li>Features and weights: each word {@code "w:" + word} with weight 1; each pair of adjacent
 *       words {@code "b:" + w1 + " " + w2} with weight 0.5; each character 3-gram and 4-gram of
 *       {@code "<" + word + ">"} as {@code "c:" + gram} with weight 0.25 (so a misspelt or inflected
 *       word still shares most of its features).
 *   <li>Each feature adds its weight to component {@code (h & 0x7fffffff) % dimension} with the
 *       sign of {@code h}'s top bit, where {@code h = murmur3_32(utf8(feature), seed 0x5EED1)}.
 *   <li>The sum is L2-normalised; a text without words gives the zero vector.
 * </ol>
 *
 * Similar texts share features and so get close vectors; unrelated texts get near-orthogonal ones.
 * Thread-safe and stateless.
 */
public final class HashEmbeddingProvider implements EmbeddingProvider {
  /** The registered name. */
  public static final String NAME = "hash";
  private static final int SEED = 0x5EED1;
  private static final float WORD = 1f;
  private static final float BIGRAM = 0.5f;
  private static final float CHARGRAM = 0.25f;

  private final int dimension;

  public HashEmbeddingProvider(int dimension) {
    if (dimension < 8 || dimension > 8192) {
      throw DwException.invalidArgument("hash embedding dimension must be in 8..8192, was " + dimension);
    }
    this.dimension = dimension;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String modelId() {
    return "hash-v1-d" + dimension;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public boolean deterministic() {
    return true;
  }

  @Override
  public Health health() {
    return EmbeddingProvider.super.health()
        .withDetail("reason", "feature hashing of words, word pairs and character n-grams (no model configured)");
  }

  /** The normalised words of {@code text}, as step 1 and 2 of the class comment define them. */
  public static List<String> words(String text) {
    String n = Normalizer.normalize(text, Normalizer.Form.NFKD);
    StringBuilder cur = new StringBuilder();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n.length(); ) {
      int cp = n.codePointAt(i);
      i += Character.charCount(cp);
      int type = Character.getType(cp);
      if (type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
          || type == Character.ENCLOSING_MARK) {
        continue;
      }
      if (Character.isLetterOrDigit(cp)) {
        cur.appendCodePoint(cp);
      } else if (!cur.isEmpty()) {
        out.add(cur.toString().toLowerCase(Locale.ROOT));
        cur.setLength(0);
      }
    }
    if (!cur.isEmpty()) {
      out.add(cur.toString().toLowerCase(Locale.ROOT));
    }
    return out;
  }

  @Override
  public float[] embed(String text) {
    if (text == null) {
      throw DwException.invalidArgument("text to embed is null");
    }
    float[] v = new float[dimension];
    List<String> words = words(text);
    StringBuilder sb = new StringBuilder(64);
    String prev = null;
    for (String w : words) {
      add(v, sb.append("w:").append(w), WORD);
      sb.setLength(0);
      if (prev != null) {
        add(v, sb.append("b:").append(prev).append(' ').append(w), BIGRAM);
        sb.setLength(0);
      }
      prev = w;
      String padded = "<" + w + ">";
      int[] cps = padded.codePoints().toArray();
      for (int n = 3; n <= 4; n++) {
        for (int i = 0; i + n <= cps.length; i++) {
          sb.append("c:");
          for (int j = i; j < i + n; j++) {
            sb.appendCodePoint(cps[j]);
          }
          add(v, sb, CHARGRAM);
          sb.setLength(0);
        }
      }
    }
    return VectorMath.normalizeInPlace(v);
  }

  private void add(float[] v, CharSequence feature, float weight) {
    int h = Murmur3.hash(feature, SEED);
    int bucket = (h & 0x7fff_ffff) % dimension;
    v[bucket] += h < 0 ? -weight : weight;
  }

  /** The factory registered for {@link java.util.ServiceLoader}. */
  public static final class Factory implements EmbeddingProviderFactory {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public EmbeddingProvider create(EmbeddingOptions options) {
      return new HashEmbeddingProvider(options.hashDimension());
    }
  }
}
