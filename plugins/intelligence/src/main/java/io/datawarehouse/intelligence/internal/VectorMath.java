package io.datawarehouse.intelligence.internal;

/** Small vector helpers shared by the embedding, text and search packages (not the hot loops). */
public final class VectorMath {
  private VectorMath() {}

  /** Scales {@code v} to unit length in place; a zero vector stays zero. Returns {@code v}. */
  public static float[] normalizeInPlace(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    if (sum > 0) {
      float inv = (float) (1 / Math.sqrt(sum));
      for (int i = 0; i < v.length; i++) {
        v[i] *= inv;
      }
    }
    return v;
  }

  /** The dot product of two vectors of the same length. */
  public static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
