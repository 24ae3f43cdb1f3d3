package io.datawarehouse.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class ChunkedContentTest {

  /** The size hint only sizes buffers: a wrong one changes nothing in the result. */
  @Property(tries = 200)
  void chunksRebuildTheContent_fullSizedExceptTheLast(@ForAll @IntRange(min = 0, max = 600_000) int length,
      @ForAll @IntRange(min = 1, max = 300_000) int chunkSize, @ForAll @IntRange(min = 0, max = 700_000) int threshold,
      @ForAll @IntRange(min = -1, max = 700_000) int sizeHint, @ForAll long seed) throws IOException, NoSuchAlgorithmException {
    byte[] data = new byte[length];
    new SplittableRandom(seed).nextBytes(data);
    ChunkedContent in = new ChunkedContent(new ByteArrayInputStream(data), chunkSize, sizeHint);

    boolean single = in.readAhead(threshold);

    assertThat(single).isEqualTo(length <= threshold);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (single) {
      out.write(in.buffered());
    } else {
      byte[] chunk;
      boolean sawShort = false;
      while ((chunk = in.next()).length > 0) {
        assertThat(sawShort).as("only the last chunk may be short").isFalse();
        assertThat(chunk.length).isLessThanOrEqualTo(chunkSize);
        sawShort = chunk.length < chunkSize;
        out.write(chunk);
      }
    }
    assertThat(out.toByteArray()).isEqualTo(data);
    assertThat(in.count()).isEqualTo(length);
    assertThat(in.sha256Hex()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
  }
}
