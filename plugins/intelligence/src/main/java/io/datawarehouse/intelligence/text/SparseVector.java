package io.datawarehouse.intelligence.text;

import java.util.Arrays;

/**
 * A sparse vector: term ids in ascending order and their weights.
 *
 * @param terms ascending term ids
 * @param weights one weight per term id
 */
public record SparseVector(int[] terms, float[] weights) {

  /** The dot product with {@code other} (a merge of the two sorted id lists). */
  public float dot(SparseVector other) {
    float s = 0;
    int i = 0;
    int j = 0;
    while (i < terms.length && j < other.terms.length) {
      if (terms[i] == other.terms[j]) {
        s += weights[i++] * other.weights[j++];
      } else if (terms[i] < other.terms[j]) {
        i++;
      } else {
        j++;
      }
    }
    return s;
  }

  /** Number of non-zero entries. */
  public int size() {
    return terms.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SparseVector v && Arrays.equals(terms, v.terms) && Arrays.equals(weights, v.weights);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(terms) + Arrays.hashCode(weights);
  }

  @Override
  public String toString() {
    return "SparseVector{" + terms.length + " terms}";
  }
}
