package io.datawarehouse.raid.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.raid.TestBytes;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link ErasureCodec} must do. A subclass names the shapes it supports ({@link
 * #shapes()}) and builds a codec for each, on the scalar and on the vector kernel; every test runs
 * over all of them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ErasureCodecContractTest {

  /** A codec under test, with the kernel it runs on in its name. */
  protected record Shape(String label, ErasureCodec codec) {
    @Override
    public String toString() {
      return label;
    }
  }

  /** One long seed per class so a failure can be replayed; printed with every failure message. */
  protected static final long SEED = Long.getLong("dw.test.seed", System.nanoTime());

  protected static SplittableRandom random(String salt) {
    return new SplittableRandom(SEED ^ salt.hashCode());
  }

  static byte[][] randomStripe(ErasureCodec codec, int off, int len, SplittableRandom rnd) {
    byte[][] shards = new byte[codec.totalShards()][off + len];
    for (int i = 0; i < codec.dataShards(); i++) {
      TestBytes.fill(rnd, shards[i]);
    }
    codec.encode(shards, off, len);
    return shards;
  }

  static byte[][] deepCopy(byte[][] a) {
    byte[][] c = new byte[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void encode_dataAsSlicesOfOneBuffer_givesTheParityOfEncode(Shape shape) {
    ErasureCodec codec = shape.codec();
    int k = codec.dataShards();
    int m = codec.parityShards();
    SplittableRandom rnd = random(shape.label() + "slices");
    for (int len : new int[] {0, 1, 31, 67, 256, 1000 + rnd.nextInt(200)}) {
      byte[] caller = new byte[3 + k * (len + 7)];
      TestBytes.fill(rnd, caller);
      byte[][] data = new byte[k][];
      int[] offs = new int[k];
      byte[][] shards = new byte[k + m][len];
      for (int j = 0; j < k; j++) {
        data[j] = caller;
        offs[j] = 3 + (k - 1 - j) * (len + 7); // out of order, with gaps
        System.arraycopy(caller, offs[j], shards[j], 0, len);
      }
      codec.encode(shards, 0, len);
      byte[] before = caller.clone();
      byte[][] parity = new byte[m][len + 9];
      codec.encode(data, offs, parity, 9, len);
      for (int p = 0; p < m; p++) {
        assertThat(java.util.Arrays.copyOfRange(parity[p], 9, 9 + len)).as("parity %d, len %d, seed %d", p, len, SEED).isEqualTo(shards[k + p]);
      }
      assertThat(caller).as("data untouched").isEqualTo(before);
    }
    assertThatThrownBy(() -> codec.encode(new byte[k][1], new int[k + 1], new byte[m][1], 0, 1)).isInstanceOf(IllegalArgumentException.class);
    if (m > 0) {
      byte[][] shortData = new byte[k][4];
      assertThatThrownBy(() -> codec.encode(shortData, new int[k], new byte[m][8], 0, 8)).isInstanceOf(RuntimeException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void reconstruct_everyErasurePatternUpToM_recoversEveryShard(Shape shape) {
    ErasureCodec codec = shape.codec();
    int n = codec.totalShards();
    int len = 67;
    int off = 5;
    byte[][] reference = randomStripe(codec, off, len, random(shape.label()));
    List<int[]> patterns = new ArrayList<>();
    for (int lost = 1; lost <= codec.parityShards(); lost++) {
      patterns.addAll(TestBytes.subsets(n, lost));
    }
    assertThat(patterns).isNotEmpty();
    for (int[] lost : patterns) {
      byte[][] shards = deepCopy(reference);
      boolean[] present = new boolean[n];
      java.util.Arrays.fill(present, true);
      for (int i : lost) {
        present[i] = false;
        java.util.Arrays.fill(shards[i], off, off + len, (byte) 0x5a);
      }
      codec.reconstruct(shards, present, off, len);
      for (int i = 0; i < n; i++) {
        assertThat(java.util.Arrays.copyOfRange(shards[i], off, off + len))
            .as("%s seed=%d lost=%s shard %d", shape, SEED, java.util.Arrays.toString(lost), i)
            .isEqualTo(java.util.Arrays.copyOfRange(reference[i], off, off + len));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void reconstructData_rebuildsDataOnly_andLeavesParityBuffersAlone(Shape shape) {
    ErasureCodec codec = shape.codec();
    int n = codec.totalShards();
    int m = codec.parityShards();
    if (m == 0) {
      return;
    }
    byte[][] reference = randomStripe(codec, 0, 1000, random(shape.label() + "data"));
    byte[][] shards = deepCopy(reference);
    boolean[] present = new boolean[n];
    java.util.Arrays.fill(present, true);
    // lose the first data shard and the last parity shard (when m >= 2), or only the data shard
    present[0] = false;
    java.util.Arrays.fill(shards[0], (byte) 0);
    if (m >= 2) {
      present[n - 1] = false;
      java.util.Arrays.fill(shards[n - 1], (byte) 0x77);
    }
    codec.reconstructData(shards, present, 0, 1000);
    assertThat(shards[0]).isEqualTo(reference[0]);
    if (m >= 2) {
      assertThat(shards[n - 1]).as("a lost parity shard is not rebuilt by reconstructData").containsOnly((byte) 0x77);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void reconstruct_moreThanMLost_failsClearly_andWritesNothing(Shape shape) {
    ErasureCodec codec = shape.codec();
    int n = codec.totalShards();
    byte[][] shards = randomStripe(codec, 0, 64, random(shape.label() + "toomany"));
    boolean[] present = new boolean[n];
    for (int i = codec.parityShards() + 1; i < n; i++) {
      present[i] = true;
    }
    byte[][] before = deepCopy(shards);
    assertThatThrownBy(() -> codec.reconstruct(shards, present, 0, 64))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
        .hasMessageContaining("cannot recover")
        .hasMessageContaining(codec.dataShards() + " are needed");
    assertThat(shards).isDeepEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void updateParity_matchesAFullReEncode(Shape shape) {
    ErasureCodec codec = shape.codec();
    int k = codec.dataShards();
    int m = codec.parityShards();
    SplittableRandom rnd = random(shape.label() + "update");
    int len = 333;
    byte[][] shards = randomStripe(codec, 0, len, rnd);
    for (int round = 0; round < 2 * k; round++) {
      int d = rnd.nextInt(k);
      byte[] old = shards[d].clone();
      byte[] fresh = old.clone();
      int from = rnd.nextInt(len);
      int to = from + rnd.nextInt(len - from + 1);
      for (int x = from; x < to; x++) {
        fresh[x] = (byte) rnd.nextInt(256);
      }
      byte[][] parity = java.util.Arrays.copyOfRange(shards, k, k + m);
      if (round % 2 == 0) {
        codec.updateParity(d, old, fresh, from, parity, from, to - from);
      } else {
        byte[] delta = new byte[to - from];
        for (int x = from; x < to; x++) {
          delta[x - from] = (byte) (old[x] ^ fresh[x]);
        }
        codec.updateParity(d, delta, 0, parity, from, to - from);
      }
      shards[d] = fresh;
      byte[][] expected = deepCopy(shards);
      codec.encode(expected, 0, len);
      for (int p = k; p < k + m; p++) {
        assertThat(java.util.Arrays.copyOf(shards[p], len)).as("%s seed=%d round %d parity %d", shape, SEED, round, p)
            .isEqualTo(java.util.Arrays.copyOf(expected[p], len));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void encode_anyLength_includingEmptyAndOdd(Shape shape) {
    ErasureCodec codec = shape.codec();
    for (int len : new int[] {0, 1, 15, 16, 17, 31, 33, 4097}) {
      byte[][] shards = randomStripe(codec, 3, len, random(shape.label() + len));
      boolean[] present = new boolean[codec.totalShards()];
      java.util.Arrays.fill(present, true);
      if (codec.parityShards() > 0) {
        byte[] lost = shards[0].clone();
        present[0] = false;
        java.util.Arrays.fill(shards[0], (byte) 1);
        codec.reconstruct(shards, present, 3, len);
        assertThat(java.util.Arrays.copyOfRange(shards[0], 3, 3 + len)).isEqualTo(java.util.Arrays.copyOfRange(lost, 3, 3 + len));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void encode_tooShortBuffer_isRejectedBeforeAnyWrite(Shape shape) {
    ErasureCodec codec = shape.codec();
    byte[][] shards = new byte[codec.totalShards()][100];
    shards[codec.totalShards() - 1] = new byte[10];
    assertThatThrownBy(() -> codec.encode(shards, 0, 100)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit");
  }

  @Test
  void coefficients_ofParityRowsAreNonZero() {
    for (Shape s : shapes()) {
      ErasureCodec c = s.codec();
      for (int p = 0; p < c.parityShards(); p++) {
        for (int d = 0; d < c.dataShards(); d++) {
          assertThat(c.coefficient(p, d)).as("%s P%d D%d", s, p, d).isNotZero();
        }
      }
    }
  }

  /** The codecs under test (small enough that every erasure pattern up to m can be tried). */
  protected abstract List<Shape> shapes();
}
