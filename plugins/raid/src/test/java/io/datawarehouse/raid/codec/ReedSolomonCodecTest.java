package io.datawarehouse.raid.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.raid.internal.codec.MatrixCodec;
import io.datawarehouse.raid.internal.gf.GfKernel;
import io.datawarehouse.raid.internal.gf.GfKernels;
import io.datawarehouse.sdk.DwException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ReedSolomonCodecTest extends ErasureCodecContractTest {

  static List<GfKernel> kernels() {
    List<GfKernel> ks = new ArrayList<>();
    ks.add(GfKernels.scalar());
    GfKernel v = GfKernels.vectorOrNull();
    if (v != null) {
      ks.add(v);
    }
    return ks;
  }

  @Override
  protected List<Shape> shapes() {
    List<Shape> out = new ArrayList<>();
    int[][] km = {{1, 1}, {1, 3}, {2, 2}, {3, 2}, {4, 2}, {6, 3}, {10, 4}, {5, 5}, {17, 3}};
    for (GfKernel kernel : kernels()) {
      for (int[] s : km) {
        out.add(new Shape("rs(" + s[0] + "," + s[1] + ")/" + kernel.name(), MatrixCodec.reedSolomon(s[0], s[1], kernel)));
      }
    }
    return out;
  }

  /** Large codes: random erasure patterns of up to m shards, both kernels must rebuild the same bytes. */
  @Property(tries = 25)
  void reconstruct_largeCodesRandomPatterns_recoverEverything(
      @ForAll @IntRange(min = 1, max = 200) int k, @ForAll @IntRange(min = 1, max = 55) int m, @ForAll long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (GfKernel kernel : kernels()) {
      ErasureCodec codec = MatrixCodec.reedSolomon(k, m, kernel);
      int len = 1 + rnd.nextInt(200);
      byte[][] reference = randomStripe(codec, 0, len, new SplittableRandom(seed));
      byte[][] shards = deepCopy(reference);
      boolean[] present = new boolean[k + m];
      Arrays.fill(present, true);
      int lose = 1 + rnd.nextInt(m);
      for (int i = 0; i < lose; i++) {
        int victim = rnd.nextInt(k + m);
        present[victim] = false;
        Arrays.fill(shards[victim], (byte) 0);
      }
      codec.reconstruct(shards, present, 0, len);
      assertThat(shards).as("k=%d m=%d %s", k, m, kernel.name()).isDeepEqualTo(reference);
    }
  }

  @Test
  void reconstruct_samePatternTwice_usesTheCachedDecodeMatrix() {
    MatrixCodec codec = MatrixCodec.reedSolomon(10, 4);
    byte[][] shards = randomStripe(codec, 0, 100, new SplittableRandom(1));
    boolean[] present = new boolean[14];
    Arrays.fill(present, true);
    present[2] = false;
    present[7] = false;
    codec.reconstruct(shards, present, 0, 100);
    codec.reconstruct(shards, present, 0, 100);
    assertThat(codec.cachedPlans()).isEqualTo(1);
    present[3] = false;
    codec.reconstruct(shards, present, 0, 100);
    assertThat(codec.cachedPlans()).isEqualTo(2);
  }

  @Test
  void encode_matchesIsaLCauchyParityForAKnownVector() {
    // ISA-L's gf_gen_cauchy1_matrix for k=4,m=2 gives row 4 = {inv(4^0), inv(4^1), inv(4^2), inv(4^3)}
    ErasureCodec codec = ErasureCodec.reedSolomon(4, 2);
    assertThat(codec.coefficient(0, 0)).isEqualTo(io.datawarehouse.raid.internal.gf.Gf256.inv(4));
    assertThat(codec.coefficient(1, 3)).isEqualTo(io.datawarehouse.raid.internal.gf.Gf256.inv(5 ^ 3));
    byte[][] shards = {{1}, {0}, {0}, {0}, {0}, {0}};
    codec.encode(shards, 0, 1);
    assertThat(shards[4][0] & 0xff).isEqualTo(codec.coefficient(0, 0));
    assertThat(shards[5][0] & 0xff).isEqualTo(codec.coefficient(1, 0));
  }

  @Test
  void reedSolomon_badShape_isRejectedWithTheLimits() {
    assertThatThrownBy(() -> ErasureCodec.reedSolomon(200, 56)).isInstanceOf(DwException.class).hasMessageContaining("k + m <= 255");
    assertThatThrownBy(() -> ErasureCodec.reedSolomon(0, 2)).isInstanceOf(DwException.class);
    assertThat(ErasureCodec.reedSolomon(200, 55).totalShards()).isEqualTo(255);
  }
}
