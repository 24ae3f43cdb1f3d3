package io.datawarehouse.intelligence.vector.internal;

/**
 * Distance kernels over float vectors stored at an offset inside larger arrays (the index keeps
 * its vectors in pages). Two implementations: {@link ScalarVectorKernel} (plain Java, always
 * there) and {@code PanamaVectorKernel} (the Vector API, compiled from {@code src/vector/java}).
 * {@link VectorKernels#get()} picks one once per JVM.
 *
 * <p>Implementations are stateless and thread-safe; they never allocate.
 */
public interface VectorKernel {

  /** Sum of a[aOff+i] * b[bOff+i] for i in [0, length). */
  float dot(float[] a, int aOff, float[] b, int bOff, int length);

  /**
   * Four dot products of {@code q} with {@code a}, {@code b}, {@code c} and {@code d} into
   * {@code out[0..3]}, each with the same accumulators and order of additions as {@link #dot} of
   * the same pair, so the same value (an implementation may share the loads of {@code q} and
   * interleave the four). The one caveat is the Vector API's own lane reduction, whose order is
   * unspecified, so interpreted and compiled code may differ in the last bit, for dot as well.
   */
  default void dot4(float[] q, int qOff, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, float[] d,
      int dOff, int length, float[] out) {
    out[0] = dot(q, qOff, a, aOff, length);
    out[1] = dot(q, qOff, b, bOff, length);
    out[2] = dot(q, qOff, c, cOff, length);
    out[3] = dot(q, qOff, d, dOff, length);
  }

  /** Sum of (a[aOff+i] - b[bOff+i])^2 for i in [0, length). */
  float squareDistance(float[] a, int aOff, float[] b, int bOff, int length);

  /** A short name for health and benchmark output ("panama-256", "scalar"). */
  String name();
}
