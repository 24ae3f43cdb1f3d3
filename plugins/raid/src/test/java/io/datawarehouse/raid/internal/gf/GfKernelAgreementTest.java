package io.datawarehouse.raid.internal.gf;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.raid.TestBytes;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The vector kernel gives exactly the bytes of the scalar kernel, on random inputs of any shape. */
class GfKernelAgreementTest {
  private static GfKernel vector;
  private static final GfKernel SCALAR = GfKernels.scalar();

  @BeforeAll
  static void loadVector() {
    vector = GfKernels.vectorOrNull();
    assertThat(vector)
        .as("the test JVM runs with --add-modules jdk.incubator.vector (see the module's pom), so the vector kernel must load")
        .isNotNull();
  }

  @Test
  void best_isTheVectorKernelWhenTheModuleIsPresent() {
    assertThat(GfKernels.best().name()).startsWith("vector-");
  }

  @Property(tries = 300)
  void mulAdd_vectorAgreesWithScalar(
      @ForAll @IntRange(min = 1, max = 12) int rows,
      @ForAll @IntRange(min = 1, max = 12) int cols,
      @ForAll @IntRange(max = 3000) int len,
      @ForAll @IntRange(max = 40) int inOff,
      @ForAll @IntRange(max = 40) int outOff,
      @ForAll boolean accumulate,
      @ForAll long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[][] coef = new byte[rows][cols];
    for (byte[] row : coef) {
      TestBytes.fill(rnd, row);
    }
    GfMatrix m = GfMatrix.of(coef);
    byte[][] in = TestBytes.random(rnd, cols, inOff + len);
    byte[][] expected = TestBytes.random(rnd, rows, outOff + len + 7);
    byte[][] actual = copy(expected);
    byte[][] before = copy(expected);
    SCALAR.mulAdd(m, in, inOff, expected, outOff, len, accumulate);
    vector.mulAdd(m, in, inOff, actual, outOff, len, accumulate);
    assertThat(actual).isDeepEqualTo(expected);
    for (GfKernel variant : GfKernels.vectorVariants()) {
      byte[][] out = copy(before);
      variant.mulAdd(m, in, inOff, out, outOff, len, accumulate);
      assertThat(out).as(variant.name()).isDeepEqualTo(expected);
    }
  }

  @Test
  void vectorVariants_coverBothLookupWidths() {
    assertThat(GfKernels.vectorVariants()).extracting(GfKernel::name)
        .hasSize(2)
        .anyMatch(n -> n.endsWith("-lookup128"))
        .anyMatch(n -> !n.endsWith("-lookup128"));
    assertThat(GfKernels.vectorVariants()).extracting(GfKernel::name).contains(vector.name());
  }

  @Property(tries = 60)
  void mulAdd_everyVariantAgreesWithScalar_onLongShards(
      @ForAll @IntRange(min = 1, max = 9) int rows,
      @ForAll @IntRange(min = 1, max = 14) int cols,
      @ForAll @IntRange(min = 2000, max = 20000) int len,
      @ForAll @IntRange(max = 130) int inOff,
      @ForAll @IntRange(max = 130) int outOff,
      @ForAll boolean accumulate,
      @ForAll long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[][] coef = new byte[rows][cols];
    for (byte[] row : coef) {
      TestBytes.fill(rnd, row);
    }
    GfMatrix m = GfMatrix.of(coef);
    byte[][] in = TestBytes.random(rnd, cols, inOff + len);
    byte[][] start = TestBytes.random(rnd, rows, outOff + len + 7);
    byte[][] expected = copy(start);
    SCALAR.mulAdd(m, in, inOff, expected, outOff, len, accumulate);
    for (GfKernel variant : GfKernels.vectorVariants()) {
      byte[][] out = copy(start);
      variant.mulAdd(m, in, inOff, out, outOff, len, accumulate);
      assertThat(out).as(variant.name()).isDeepEqualTo(expected);
    }
  }

  @Property(tries = 200)
  void mulAdd_scalarMatchesTheDefinition(
      @ForAll @IntRange(min = 1, max = 5) int rows,
      @ForAll @IntRange(min = 1, max = 5) int cols,
      @ForAll @IntRange(max = 100) int len,
      @ForAll long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[][] coef = new byte[rows][cols];
    for (byte[] row : coef) {
      TestBytes.fill(rnd, row);
    }
    byte[][] in = TestBytes.random(rnd, cols, len);
    byte[][] out = new byte[rows][len];
    SCALAR.mulAdd(GfMatrix.of(coef), in, 0, out, 0, len, false);
    for (int r = 0; r < rows; r++) {
      for (int x = 0; x < len; x++) {
        int s = 0;
        for (int c = 0; c < cols; c++) {
          s ^= Gf256.mul(coef[r][c] & 0xff, in[c][x] & 0xff);
        }
        assertThat(out[r][x] & 0xff).isEqualTo(s);
      }
    }
  }

  @Property(tries = 200)
  void xor_vectorAgreesWithScalar(
      @ForAll @IntRange(min = 1, max = 12) int k,
      @ForAll @IntRange(max = 3000) int len,
      @ForAll @IntRange(max = 40) int off,
      @ForAll boolean accumulate,
      @ForAll long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[][] in = TestBytes.random(rnd, k, off + len);
    byte[] expected = new byte[off + len];
    TestBytes.fill(rnd, expected);
    byte[] actual = expected.clone();
    SCALAR.xor(in, off, expected, off, len, accumulate);
    vector.xor(in, off, actual, off, len, accumulate);
    assertThat(actual).isEqualTo(expected);
  }

  @Property(tries = 200)
  void pq_bothKernelsMatchTheGeneratorRows(
      @ForAll @IntRange(min = 1, max = 20) int k,
      @ForAll @IntRange(max = 3000) int len,
      @ForAll @IntRange(max = 40) int off,
      @ForAll long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[][] in = TestBytes.random(rnd, k, off + len);
    byte[][] g = Gf256.pqGenerator(k);
    byte[][] expected = new byte[2][off + len];
    SCALAR.mulAdd(GfMatrix.of(new byte[][] {g[k], g[k + 1]}), in, off, expected, off, len, false);
    for (GfKernel kernel : new GfKernel[] {SCALAR, vector}) {
      byte[] p = new byte[off + len];
      byte[] q = new byte[off + len];
      kernel.pq(in, off, p, q, off, len);
      assertThat(p).as(kernel.name() + " P").isEqualTo(expected[0]);
      assertThat(q).as(kernel.name() + " Q").isEqualTo(expected[1]);
    }
  }

  static byte[][] copy(byte[][] a) {
    byte[][] c = new byte[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }
}
