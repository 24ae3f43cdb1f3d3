package io.datawarehouse.intelligence.vector;

import io.datawarehouse.sdk.DwException;
import java.util.Arrays;
import java.util.Locale;

/**
 * How vectors are compared. Every similarity has a score where higher is closer (what search
 * results carry) and, inside the index, a distance where lower is closer.
 */
public enum VectorSimilarity {
  /**
   * The cosine of the angle. Vectors are L2-normalised when added (and queries when searched), so
   * the score is their dot product, in [-1, 1].
   */
  COSINE,
  /** The raw dot product; meant for vectors that are already normalised (or when magnitude counts). */
  DOT_PRODUCT,
  /** Euclidean: the score is 1 / (1 + squared distance), in (0, 1]. */
  EUCLIDEAN;

  /** The similarity named {@code name} (case-insensitive; "dot", "l2" and "cosine" accepted too). */
  public static VectorSimilarity parse(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    return switch (n) {
      case "cosine" -> COSINE;
      case "dot", "dot_product", "inner_product" -> DOT_PRODUCT;
      case "l2", "euclidean" -> EUCLIDEAN;
      default -> throw DwException.invalidArgument("unknown similarity '" + name + "'; known: "
          + Arrays.toString(new String[] {"cosine", "dot_product", "euclidean"}));
    };
  }

  /** The wire name ("cosine", "dot_product", "euclidean"). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The score of an index distance of this similarity. */
  public float scoreOf(float distance) {
    return this == EUCLIDEAN ? 1f / (1f + distance) : -distance;
  }

  /**
   * {@code v} scaled to unit length, in place.
   *
   * @throws DwException INVALID_ARGUMENT for a zero vector (it has no direction)
   */
  public static float[] normalizeInPlace(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    if (sum == 0) {
      throw DwException.invalidArgument("a zero vector has no direction; cosine similarity needs a non-zero vector");
    }
    float inv = (float) (1.0 / Math.sqrt(sum));
    for (int i = 0; i < v.length; i++) {
      v[i] *= inv;
    }
    return v;
  }
}
