package io.datawarehouse.sdk.crypto;

import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertIntegrity;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Random-access reads through {@link StreamingAead#decryptingChannel} equal the plaintext's ranges. */
class DecryptingChannelTest {
  private static final byte[] AD = {1, 2, 3};

  @Property(tries = 200)
  void read_anyRange_equalsThePlaintextRange(@ForAll @IntRange(min = 0, max = 2000) int size, @ForAll @IntRange(min = 64, max = 300) int chunkSize,
      @ForAll long seed, @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 0, max = 2100) Integer> positions) throws IOException {
    StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), chunkSize);
    byte[] plain = randomBytes(seed, size);
    byte[] ct = StreamingAeadTest.encrypt(s, plain, AD, new SplittableRandom(seed));
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
    try (SeekableByteChannel ch = open(s, ct, rnd)) {
      assertThat(ch.size()).isEqualTo(size);
      for (int pos : positions) {
        int len = rnd.nextInt(3 * chunkSize + 2);
        ByteBuffer buf = rnd.nextBoolean() ? ByteBuffer.allocate(len) : ByteBuffer.allocateDirect(len);
        ch.position(pos);
        int n = readFully(ch, buf);
        int expected = Math.max(0, Math.min(len, size - pos));
        if (pos >= size && len > 0) {
          assertThat(n).isEqualTo(-1);
        } else {
          assertThat(n).isEqualTo(expected);
        }
        buf.flip();
        byte[] got = new byte[buf.remaining()];
        buf.get(got);
        assertThat(got).isEqualTo(Arrays.copyOfRange(plain, Math.min(pos, size), Math.min(pos, size) + expected));
        assertThat(ch.position()).isEqualTo(pos + Math.max(0, n));
      }
    }
  }

  @Test
  void read_wholeChunkIntoLargeHeapBuffer_decryptsWithoutTheCache() throws IOException {
    StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), 64);
    byte[] plain = randomBytes(11, 64 * 5 + 3);
    byte[] ct = StreamingAeadTest.encrypt(s, plain, AD, new SplittableRandom(11));
    try (SeekableByteChannel ch = s.decryptingChannel(new ByteArrayChannel(ct), AD)) {
      ByteBuffer buf = ByteBuffer.allocate(1000);
      buf.position(7);
      ch.position(64);
      assertThat(ch.read(buf)).isEqualTo(64 * 4 + 3);
      assertThat(Arrays.copyOfRange(buf.array(), 7, 7 + 64 * 4 + 3)).isEqualTo(Arrays.copyOfRange(plain, 64, plain.length));
    }
  }

  @Test
  void open_file_readsAndNamesTheFileInErrors(@TempDir Path dir) throws IOException {
    StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), 128);
    byte[] plain = randomBytes(12, 1000);
    Path file = dir.resolve("archive.dwsa");
    Files.write(file, StreamingAeadTest.encrypt(s, plain, AD, new SplittableRandom(12)));
    try (SeekableByteChannel ch = s.decryptingChannel(file, AD)) {
      ByteBuffer buf = ByteBuffer.allocate(100);
      ch.position(500);
      assertThat(ch.read(buf)).isEqualTo(100);
      assertThat(buf.array()).isEqualTo(Arrays.copyOfRange(plain, 500, 600));
    }

    byte[] ct = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(ct, ct.length - 144)); // one whole chunk (128 + 16) cut off
    var e = assertIntegrity(() -> s.decryptingChannel(file, AD));
    assertThat(e.getMessage()).contains(file.toString());
  }

  @Test
  void open_truncatedAtAChunkBoundary_failsAtOpenBeforeAnyRead() throws IOException {
    StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), 64);
    byte[] ct = StreamingAeadTest.encrypt(s, randomBytes(13, 64 * 4), AD, new SplittableRandom(13));
    byte[] cut = Arrays.copyOf(ct, ct.length - 80);
    var e = assertIntegrity(() -> s.decryptingChannel(new ByteArrayChannel(cut), AD));
    assertThat(e.getMessage()).contains("chunk 2 (the last)");
  }

  @Test
  void channel_isReadOnlyAndClosable() throws IOException {
    StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), 64);
    byte[] ct = StreamingAeadTest.encrypt(s, randomBytes(14, 10), AD, new SplittableRandom(14));
    ByteArrayChannel under = new ByteArrayChannel(ct);
    SeekableByteChannel ch = s.decryptingChannel(under, AD);
    assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(1))).isInstanceOf(NonWritableChannelException.class);
    assertThatThrownBy(() -> ch.truncate(0)).isInstanceOf(NonWritableChannelException.class);
    assertThatThrownBy(() -> ch.position(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(ch.read(ByteBuffer.allocate(0))).isZero();
    ch.close();
    assertThat(ch.isOpen()).isFalse();
    assertThat(under.isOpen()).isFalse();
    assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
  }

  /** The ciphertext as a channel with short reads, a slice of a larger heap buffer, or a direct buffer. */
  private static SeekableByteChannel open(StreamingAead s, byte[] ct, SplittableRandom rnd) throws IOException {
    switch (rnd.nextInt(3)) {
      case 0:
        return s.decryptingChannel(new ByteArrayChannel(ct, 1 + rnd.nextInt(200)), AD);
      case 1: {
        byte[] padded = new byte[ct.length + 20];
        System.arraycopy(ct, 0, padded, 7, ct.length);
        ByteBuffer slice = ByteBuffer.wrap(padded, 3, ct.length + 10).slice().position(4).limit(4 + ct.length);
        SeekableByteChannel ch = s.decryptingChannel(slice, AD, "heap slice");
        assertThat(slice.position()).isEqualTo(4);
        return ch;
      }
      default: {
        ByteBuffer direct = ByteBuffer.allocateDirect(ct.length).put(ct).flip();
        return s.decryptingChannel(direct, AD, "direct buffer");
      }
    }
  }

  private static int readFully(SeekableByteChannel ch, ByteBuffer buf) throws IOException {
    int total = 0;
    while (buf.hasRemaining()) {
      int n = ch.read(buf);
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      total += n;
    }
    return total;
  }
}
