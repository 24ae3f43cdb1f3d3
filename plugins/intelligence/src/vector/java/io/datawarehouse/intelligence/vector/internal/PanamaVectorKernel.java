package io.datawarehouse.intelligence.vector.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels: the preferred species of the CPU (8 lanes on AVX2, 16 on AVX-512), four
 * accumulators unrolled, fused multiply-add, a scalar tail. Loaded reflectively by
 * {@link VectorKernels}; compiled in its own execution because javac always warns about incubator
 * modules.
 */
public final class PanamaVectorKernel implements VectorKernel {
  /** The one instance, read reflectively. */
  public static final PanamaVectorKernel INSTANCE = new PanamaVectorKernel();

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  private PanamaVectorKernel() {}

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int length) {
    int i = 0;
    float sum = 0;
    if (length >= 4 * LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      int bound = length - 4 * LANES;
      for (; i <= bound; i += 4 * LANES) {
        acc0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc0);
        acc1 = FloatVector.fromArray(SPECIES, a, aOff + i + LANES)
            .fma(FloatVector.fromArray(SPECIES, b, bOff + i + LANES), acc1);
        acc2 = FloatVector.fromArray(SPECIES, a, aOff + i + 2 * LANES)
            .fma(FloatVector.fromArray(SPECIES, b, bOff + i + 2 * LANES), acc2);
        acc3 = FloatVector.fromArray(SPECIES, a, aOff + i + 3 * LANES)
            .fma(FloatVector.fromArray(SPECIES, b, bOff + i + 3 * LANES), acc3);
      }
      int bound1 = length - LANES;
      for (; i <= bound1; i += LANES) {
        acc0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc0);
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    } else if (length >= LANES) {
      FloatVector acc = FloatVector.zero(SPECIES);
      int bound1 = length - LANES;
      for (; i <= bound1; i += LANES) {
        acc = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc);
      }
      sum = acc.reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      sum = Math.fma(a[aOff + i], b[bOff + i], sum);
    }
    return sum;
  }

  @Override
  public float squareDistance(float[] a, int aOff, float[] b, int bOff, int length) {
    int i = 0;
    float sum = 0;
    if (length >= 4 * LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      int bound = length - 4 * LANES;
      for (; i <= bound; i += 4 * LANES) {
        FloatVector d0 = FloatVector.fromArray(SPECIES, a, aOff + i).sub(FloatVector.fromArray(SPECIES, b, bOff + i));
        FloatVector d1 = FloatVector.fromArray(SPECIES, a, aOff + i + LANES)
            .sub(FloatVector.fromArray(SPECIES, b, bOff + i + LANES));
        FloatVector d2 = FloatVector.fromArray(SPECIES, a, aOff + i + 2 * LANES)
            .sub(FloatVector.fromArray(SPECIES, b, bOff + i + 2 * LANES));
        FloatVector d3 = FloatVector.fromArray(SPECIES, a, aOff + i + 3 * LANES)
            .sub(FloatVector.fromArray(SPECIES, b, bOff + i + 3 * LANES));
        acc0 = d0.fma(d0, acc0);
        acc1 = d1.fma(d1, acc1);
        acc2 = d2.fma(d2, acc2);
        acc3 = d3.fma(d3, acc3);
      }
      int bound1 = length - LANES;
      for (; i <= bound1; i += LANES) {
        FloatVector d = FloatVector.fromArray(SPECIES, a, aOff + i).sub(FloatVector.fromArray(SPECIES, b, bOff + i));
        acc0 = d.fma(d, acc0);
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    } else if (length >= LANES) {
      FloatVector acc = FloatVector.zero(SPECIES);
      int bound1 = length - LANES;
      for (; i <= bound1; i += LANES) {
        FloatVector d = FloatVector.fromArray(SPECIES, a, aOff + i).sub(FloatVector.fromArray(SPECIES, b, bOff + i));
        acc = d.fma(d, acc);
      }
      sum = acc.reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      float d = a[aOff + i] - b[bOff + i];
      sum = Math.fma(d, d, sum);
    }
    return sum;
  }

  @Override
  public String name() {
    return "panama-" + SPECIES.vectorBitSize();
  }
}
