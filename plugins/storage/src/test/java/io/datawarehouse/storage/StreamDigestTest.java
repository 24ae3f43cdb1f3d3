package io.datawarehouse.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class StreamDigestTest {
  private static final int LIMIT = StreamDigest.INLINE_LIMIT;
  private static final int BLOCK = StreamDigest.BLOCK;

  /** Sizes around every boundary: the inline limit, block edges, and more blocks than the in-flight cap. */
  @Provide
  Arbitrary<Integer> sizes() {
    return Arbitraries.oneOf(Arbitraries.of(0, 1, LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + BLOCK, LIMIT + BLOCK + 1,
        LIMIT + (StreamDigest.IN_FLIGHT + 3) * BLOCK - 1), Arbitraries.integers().between(0, LIMIT + 9 * BLOCK));
  }

  @Property(tries = 40)
  void digestAndCountEqualOnePassSha256_inlineAndOffloaded(@ForAll("sizes") int size,
      @ForAll @IntRange(min = 1, max = 1_500_000) int maxPiece, @ForAll boolean offload, @ForAll long seed)
      throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] data = new byte[size];
    r.nextBytes(data);
    StreamDigest d = new StreamDigest(offload);
    int pos = 0;
    while (pos < data.length) {
      if (r.nextInt(10) == 0) {
        d.update(data[pos++]); // single bytes, as read() feeds them
        continue;
      }
      int n = Math.min(data.length - pos, 1 + r.nextInt(maxPiece));
      d.update(data, pos, n);
      pos += n;
    }

    assertThat(d.count()).isEqualTo(size);
    byte[] expected = MessageDigest.getInstance("SHA-256").digest(data);
    assertThat(d.digest()).isEqualTo(expected);
    assertThat(d.digest()).as("a second call gives the same digest").isEqualTo(expected);
    assertThatThrownBy(() -> d.update(new byte[1], 0, 1)).isInstanceOf(IllegalStateException.class);
  }

  /** Streams hashed at once share the pool: each still gets its own bytes' digest, in order. */
  @Test
  void concurrentStreamsEachGetTheirOwnDigest() throws Exception {
    ExecutorService feeders = Executors.newFixedThreadPool(6);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 12; t++) {
        int seed = t;
        results.add(feeders.submit(() -> {
          byte[] data = new byte[LIMIT + 5 * BLOCK + seed * 7919];
          new SplittableRandom(seed).nextBytes(data);
          HashingInputStream in = new HashingInputStream(new ByteArrayInputStream(data));
          byte[] buf = new byte[64 * 1024 + seed];
          while (in.read(buf, 0, buf.length) >= 0) {
            // drain
          }
          return in.count() == data.length
              && in.sha256Hex().equals(PutOptions.hex(MessageDigest.getInstance("SHA-256").digest(data)));
        }));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      feeders.shutdownNow();
    }
  }

  /** The verifying stream still catches a single flipped byte far past the inline part. */
  @Test
  void verifyingStreamDetectsCorruptionInAnOffloadedBlock() throws Exception {
    byte[] data = new byte[LIMIT + 3 * BLOCK + 17];
    new SplittableRandom(7).nextBytes(data);
    String sha = PutOptions.hex(MessageDigest.getInstance("SHA-256").digest(data));
    data[LIMIT + 2 * BLOCK + 5] ^= 1;
    InputStream in = new VerifyingInputStream(new ByteArrayInputStream(data), "object 'x'", data.length, sha);
    byte[] buf = new byte[100_000];
    assertThatThrownBy(() -> {
      while (in.read(buf, 0, buf.length) >= 0) {
        // drain
      }
    }).isInstanceOf(DwException.class).hasMessageContaining("object 'x' is corrupt").hasMessageContaining(sha);
  }
}
