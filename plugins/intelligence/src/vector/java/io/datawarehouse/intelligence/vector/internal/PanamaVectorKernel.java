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
  public void dot4(float[] q, int qOff, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, float[] d,
      int dOff, int length, float[] out) {
    if (length < 4 * LANES) {
      out[0] = dot(q, qOff, a, aOff, length);
      out[1] = dot(q, qOff, b, bOff, length);
      out[2] = dot(q, qOff, c, cOff, length);
      out[3] = dot(q, qOff, d, dOff, length);
      return;
    }
    // the same accumulators and order as dot(), for four vectors at once: each query chunk is
    // loaded once, and four independent streams of loads are in flight
    FloatVector a0 = FloatVector.zero(SPECIES);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector b0 = a0;
    FloatVector b1 = a0;
    FloatVector b2 = a0;
    FloatVector b3 = a0;
    FloatVector c0 = a0;
    FloatVector c1 = a0;
    FloatVector c2 = a0;
    FloatVector c3 = a0;
    FloatVector d0 = a0;
    FloatVector d1 = a0;
    FloatVector d2 = a0;
    FloatVector d3 = a0;
    int i = 0;
    int bound = length - 4 * LANES;
    for (; i <= bound; i += 4 * LANES) {
      FloatVector q0 = FloatVector.fromArray(SPECIES, q, qOff + i);
      FloatVector q1 = FloatVector.fromArray(SPECIES, q, qOff + i + LANES);
      FloatVector q2 = FloatVector.fromArray(SPECIES, q, qOff + i + 2 * LANES);
      FloatVector q3 = FloatVector.fromArray(SPECIES, q, qOff + i + 3 * LANES);
      a0 = q0.fma(FloatVector.fromArray(SPECIES, a, aOff + i), a0);
      b0 = q0.fma(FloatVector.fromArray(SPECIES, b, bOff + i), b0);
      c0 = q0.fma(FloatVector.fromArray(SPECIES, c, cOff + i), c0);
      d0 = q0.fma(FloatVector.fromArray(SPECIES, d, dOff + i), d0);
      a1 = q1.fma(FloatVector.fromArray(SPECIES, a, aOff + i + LANES), a1);
      b1 = q1.fma(FloatVector.fromArray(SPECIES, b, bOff + i + LANES), b1);
      c1 = q1.fma(FloatVector.fromArray(SPECIES, c, cOff + i + LANES), c1);
      d1 = q1.fma(FloatVector.fromArray(SPECIES, d, dOff + i + LANES), d1);
      a2 = q2.fma(FloatVector.fromArray(SPECIES, a, aOff + i + 2 * LANES), a2);
      b2 = q2.fma(FloatVector.fromArray(SPECIES, b, bOff + i + 2 * LANES), b2);
      c2 = q2.fma(FloatVector.fromArray(SPECIES, c, cOff + i + 2 * LANES), c2);
      d2 = q2.fma(FloatVector.fromArray(SPECIES, d, dOff + i + 2 * LANES), d2);
      a3 = q3.fma(FloatVector.fromArray(SPECIES, a, aOff + i + 3 * LANES), a3);
      b3 = q3.fma(FloatVector.fromArray(SPECIES, b, bOff + i + 3 * LANES), b3);
      c3 = q3.fma(FloatVector.fromArray(SPECIES, c, cOff + i + 3 * LANES), c3);
      d3 = q3.fma(FloatVector.fromArray(SPECIES, d, dOff + i + 3 * LANES), d3);
    }
    int bound1 = length - LANES;
    for (; i <= bound1; i += LANES) {
      FloatVector qv = FloatVector.fromArray(SPECIES, q, qOff + i);
      a0 = qv.fma(FloatVector.fromArray(SPECIES, a, aOff + i), a0);
      b0 = qv.fma(FloatVector.fromArray(SPECIES, b, bOff + i), b0);
      c0 = qv.fma(FloatVector.fromArray(SPECIES, c, cOff + i), c0);
      d0 = qv.fma(FloatVector.fromArray(SPECIES, d, dOff + i), d0);
    }
    float sa = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    float sb = b0.add(b1).add(b2.add(b3)).reduceLanes(VectorOperators.ADD);
    float sc = c0.add(c1).add(c2.add(c3)).reduceLanes(VectorOperators.ADD);
    float sd = d0.add(d1).add(d2.add(d3)).reduceLanes(VectorOperators.ADD);
    for (; i < length; i++) {
      float qi = q[qOff + i];
      sa = Math.fma(qi, a[aOff + i], sa);
      sb = Math.fma(qi, b[bOff + i], sb);
      sc = Math.fma(qi, c[cOff + i], sc);
      sd = Math.fma(qi, d[dOff + i], sd);
    }
    out[0] = sa;
    out[1] = sb;
    out[2] = sc;
    out[3] = sd;
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
