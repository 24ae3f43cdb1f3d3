package io.datawarehouse.raid.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.raid.internal.codec.MatrixCodec;
import io.datawarehouse.raid.internal.gf.Gf256;
import io.datawarehouse.raid.internal.gf.GfKernel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Raid6CodecTest extends ErasureCodecContractTest {

  @Override
  protected List<Shape> shapes() {
    List<Shape> out = new ArrayList<>();
    for (GfKernel kernel : ReedSolomonCodecTest.kernels()) {
      for (int k : new int[] {1, 2, 3, 4, 8, 30}) {
        out.add(new Shape("raid6(" + k + ")/" + kernel.name(), MatrixCodec.raid6(k, kernel)));
      }
    }
    return out;
  }

  @Test
  void encode_isTheLinuxMdSyndrome() {
    // P = D0 ^ D1 ^ D2, Q = D0 ^ 2*D1 ^ 4*D2 (g = 2, polynomial 0x11d, as in md's raid6 and ISA-L pq_gen)
    ErasureCodec codec = ErasureCodec.raid6(3);
    byte[][] shards = {{(byte) 0x80}, {(byte) 0x81}, {(byte) 0xff}, {0}, {0}};
    codec.encode(shards, 0, 1);
    assertThat(shards[3][0] & 0xff).isEqualTo(0x80 ^ 0x81 ^ 0xff);
    assertThat(shards[4][0] & 0xff).isEqualTo(0x80 ^ Gf256.mul(2, 0x81) ^ Gf256.mul(4, 0xff));
  }
}
