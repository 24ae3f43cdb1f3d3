package io.datawarehouse.raid.internal.gf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.raid.TestBytes;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class Gf256Test {

  @Property
  void mul_isCommutativeAssociativeAndDistributes(
      @ForAll @IntRange(max = 255) int a, @ForAll @IntRange(max = 255) int b, @ForAll @IntRange(max = 255) int c) {
    assertThat(Gf256.mul(a, b)).isEqualTo(Gf256.mul(b, a));
    assertThat(Gf256.mul(a, Gf256.mul(b, c))).isEqualTo(Gf256.mul(Gf256.mul(a, b), c));
    assertThat(Gf256.mul(a, b ^ c)).isEqualTo(Gf256.mul(a, b) ^ Gf256.mul(a, c));
    assertThat(Gf256.MUL[a << 8 | b] & 0xff).isEqualTo(Gf256.mul(a, b));
  }

  @Test
  void mul_matchesCarryLessMultiplicationModuloThePolynomial() {
    for (int a = 0; a < 256; a++) {
      for (int b = 0; b < 256; b++) {
        int p = 0;
        for (int i = 0; i < 8; i++) {
          if ((b >> i & 1) != 0) {
            p ^= a << i;
          }
        }
        for (int bit = 15; bit >= 8; bit--) {
          if ((p >> bit & 1) != 0) {
            p ^= Gf256.POLYNOMIAL << (bit - 8);
          }
        }
        assertThat(Gf256.mul(a, b)).as("%d * %d", a, b).isEqualTo(p);
      }
    }
  }

  @Test
  void inv_isTheInverseForEveryNonZeroElement() {
    for (int a = 1; a < 256; a++) {
      assertThat(Gf256.mul(a, Gf256.inv(a))).isEqualTo(1);
    }
    assertThatThrownBy(() -> Gf256.inv(0)).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void exp2_generatesTheWholeMultiplicativeGroup() {
    boolean[] seen = new boolean[256];
    for (int e = 0; e < 255; e++) {
      seen[Gf256.exp2(e)] = true;
    }
    for (int a = 1; a < 256; a++) {
      assertThat(seen[a]).isTrue();
    }
  }

  @Test
  void cauchyGenerator_everyKRowsAreInvertible_smallCodesExhaustively() {
    for (int k = 1; k <= 5; k++) {
      for (int m = 0; m <= 4; m++) {
        byte[][] g = Gf256.cauchyGenerator(k, m);
        TestBytes.subsets(k + m, k).forEach(rows -> {
          byte[][] sub = new byte[rows.length][];
          for (int i = 0; i < rows.length; i++) {
            sub[i] = g[rows[i]];
          }
          byte[][] inv = Gf256.invert(sub);
          assertThat(Gf256.multiply(inv, sub)).isDeepEqualTo(identity(rows.length));
        });
      }
    }
  }

  @Test
  void pqGenerator_everyKRowsAreInvertible() {
    for (int k = 1; k <= 8; k++) {
      byte[][] g = Gf256.pqGenerator(k);
      TestBytes.subsets(k + 2, k).forEach(rows -> {
        byte[][] sub = new byte[rows.length][];
        for (int i = 0; i < rows.length; i++) {
          sub[i] = g[rows[i]];
        }
        assertThat(Gf256.multiply(Gf256.invert(sub), sub)).isDeepEqualTo(identity(rows.length));
      });
    }
  }

  @Test
  void cauchyGenerator_largestCode_parityRowsHaveNoZero() {
    byte[][] g = Gf256.cauchyGenerator(200, 56);
    for (int r = 200; r < 256; r++) {
      for (byte b : g[r]) {
        assertThat(b).isNotZero();
      }
    }
    assertThatThrownBy(() -> Gf256.cauchyGenerator(200, 57)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void invert_singularMatrix_throws() {
    byte[][] singular = {{1, 2}, {2, 4}};
    assertThatThrownBy(() -> Gf256.invert(singular)).isInstanceOf(ArithmeticException.class).hasMessageContaining("singular");
  }

  static byte[][] identity(int n) {
    byte[][] id = new byte[n][n];
    for (int i = 0; i < n; i++) {
      id[i][i] = 1;
    }
    return id;
  }
}
