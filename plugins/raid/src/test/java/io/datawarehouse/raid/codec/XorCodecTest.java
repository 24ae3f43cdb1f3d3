package io.datawarehouse.raid.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.raid.internal.codec.MatrixCodec;
import io.datawarehouse.raid.internal.gf.GfKernel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class XorCodecTest extends ErasureCodecContractTest {

  @Override
  protected List<Shape> shapes() {
    List<Shape> out = new ArrayList<>();
    for (GfKernel kernel : ReedSolomonCodecTest.kernels()) {
      for (int k : new int[] {1, 2, 3, 4, 9}) {
        out.add(new Shape("xor(" + k + ")/" + kernel.name(), MatrixCodec.xor(k, kernel)));
      }
    }
    return out;
  }

  @Test
  void encode_isPlainXor() {
    ErasureCodec codec = ErasureCodec.xor(3);
    byte[][] shards = {{1, 2}, {4, 8}, {16, 32}, {0, 0}};
    codec.encode(shards, 0, 2);
    assertThat(shards[3]).containsExactly(1 ^ 4 ^ 16, 2 ^ 8 ^ 32);
  }
}
