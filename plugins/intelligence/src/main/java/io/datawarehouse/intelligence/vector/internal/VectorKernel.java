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

  /** Sum of (a[aOff+i] - b[bOff+i])^2 for i in [0, length). */
  float squareDistance(float[] a, int aOff, float[] b, int bOff, int length);

  /** A short name for health and benchmark output ("panama-256", "scalar"). */
  String name();
}
