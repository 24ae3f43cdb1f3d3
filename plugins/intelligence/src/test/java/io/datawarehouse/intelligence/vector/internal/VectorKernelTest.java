package io.datawarehouse.intelligence.vector.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class VectorKernelTest {

  @Test
  void get_testJvmHasIncubatorModule_usesVectorApi() {
    assertThat(VectorKernels.get().name()).startsWith("panama-");
  }

  @Property(tries = 300)
  void kernels_anyLengthAndOffset_agreeWithDoublePrecisionReference(
      @ForAll @IntRange(min = 0, max = 300) int length,
      @ForAll @IntRange(min = 0, max = 17) int aOff,
      @ForAll @IntRange(min = 0, max = 17) int bOff,
      @ForAll long seed) {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    float[] a = new float[aOff + length + 3];
    float[] b = new float[bOff + length + 5];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) rnd.nextGaussian();
    }
    double dot = 0;
    double sq = 0;
    double mag = 0;
    for (int i = 0; i < length; i++) {
      dot += (double) a[aOff + i] * b[bOff + i];
      double d = (double) a[aOff + i] - b[bOff + i];
      sq += d * d;
      mag += Math.abs((double) a[aOff + i] * b[bOff + i]);
    }
    double tol = 1e-5 * (mag + 1) + 1e-5 * (sq + 1);
    for (VectorKernel k : new VectorKernel[] {VectorKernels.get(), VectorKernels.scalar()}) {
      assertThat((double) k.dot(a, aOff, b, bOff, length)).as(k.name() + " dot").isCloseTo(dot, within(tol));
      assertThat((double) k.squareDistance(a, aOff, b, bOff, length)).as(k.name() + " l2")
          .isCloseTo(sq, within(tol * 4));
    }
  }

  @Property(tries = 200)
  void dot4_anyLengthAndOffsets_agreesWithFourDots(
      @ForAll @IntRange(min = 0, max = 300) int length,
      @ForAll @IntRange(min = 0, max = 17) int qOff,
      @ForAll @IntRange(min = 0, max = 17) int off,
      @ForAll long seed) {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    float[] q = new float[qOff + length + 1];
    float[] v = new float[off + 4 * length + 7];
    for (int i = 0; i < q.length; i++) {
      q[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    float[] w = v.clone(); // a second array, as the four vectors usually live in different pages
    int[] offs = {off, off + length, off + 2 * length + 3, off + 3 * length + 6};
    float[][] arrays = {v, w, v, w};
    for (VectorKernel k : new VectorKernel[] {VectorKernels.get(), VectorKernels.scalar()}) {
      float[] out = new float[4];
      k.dot4(q, qOff, v, offs[0], w, offs[1], v, offs[2], w, offs[3], length, out);
      for (int j = 0; j < 4; j++) {
        double mag = 0;
        for (int i = 0; i < length; i++) {
          mag += Math.abs((double) q[qOff + i] * arrays[j][offs[j] + i]);
        }
        // the same sums in the same order; only the Vector API's lane reduction may round
        // differently between interpreted and compiled code
        assertThat((double) out[j]).as(k.name() + " vector " + j)
            .isCloseTo(k.dot(q, qOff, arrays[j], offs[j], length), within(1e-6 * (mag + 1)));
      }
    }
  }

  @Test
  void longHeap_encodedOrder_followsDistanceThenNode() {
    LongHeap h = new LongHeap(2);
    float[] ds = {3.5f, -1f, 0f, -0f, 1e-30f, -7.25f, 100f, Float.MAX_VALUE};
    for (int i = 0; i < ds.length; i++) {
      h.push(LongHeap.encode(ds[i], i));
    }
    float last = Float.NEGATIVE_INFINITY;
    while (!h.isEmpty()) {
      long e = h.pop();
      float d = LongHeap.distance(e);
      assertThat(d).isGreaterThanOrEqualTo(last);
      assertThat(ds[LongHeap.node(e)]).isEqualTo(d);
      last = d;
    }
  }
}
