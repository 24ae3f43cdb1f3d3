package io.datawarehouse.sdk.crypto;

import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertCode;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertIntegrity;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Round trips and, above all, rejection: every single-byte flip, truncation, extension, chunk
 * swap, duplication and deletion of a streaming ciphertext fails with INTEGRITY, through both the
 * InputStream and the random-access channel. Sizes cover 0 bytes, one byte, exactly one chunk,
 * chunk boundaries +-1 and several chunks, at two chunk sizes.
 */
class StreamingAeadTest {
  private static final byte[] AD = "backup/pack/0001".getBytes(StandardCharsets.UTF_8);

  /** A chunk size and a plaintext size around its boundaries. */
  record Case(int chunkSize, int size, long seed) {}

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Integer> chunk = Arbitraries.of(StreamingAead.MIN_CHUNK_SIZE, 100);
    return chunk.flatMap(c -> Combinators.combine(
        Arbitraries.oneOf(Arbitraries.of(0, 1, c - 1, c, c + 1, 2 * c - 1, 2 * c, 2 * c + 1, 3 * c), Arbitraries.integers().between(0, 4 * c)),
        Arbitraries.longs()).as((size, seed) -> new Case(c, size, seed)));
  }

  /**
   * Every boundary size at both chunk sizes, plus one random size: what the tamper properties run
   * through on every try, so that each boundary is covered in every run.
   */
  static List<Case> boundaryCases(long seed) {
    List<Case> all = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int c : new int[] {StreamingAead.MIN_CHUNK_SIZE, 100}) {
      for (int size : new int[] {0, 1, c - 1, c, c + 1, 2 * c - 1, 2 * c, 2 * c + 1, 3 * c, rnd.nextInt(4 * c)}) {
        all.add(new Case(c, size, rnd.nextLong()));
      }
    }
    return all;
  }

  // ---------------------------------------------------------------------------------------------
  // round trips

  @Property(tries = 150)
  void decryptingStream_ofEncryptingStream_givesPlaintext(@ForAll("cases") Case c) throws IOException {
    StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), c.chunkSize);
    byte[] plain = randomBytes(c.seed, c.size);
    SplittableRandom rnd = new SplittableRandom(c.seed);
    byte[] ct = encrypt(s, plain, AD, rnd);

    assertThat(ct).hasSize((int) s.ciphertextSize(plain.length));
    assertThat(readInPieces(s.decryptingStream(new ByteArrayInputStream(ct), AD), rnd, c.chunkSize)).isEqualTo(plain);
    assertThat(s.decryptingStream(new ByteArrayInputStream(ct), AD).readAllBytes()).isEqualTo(plain);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    assertThat(s.decryptingStream(new ByteArrayInputStream(ct), AD).transferTo(sink)).isEqualTo(plain.length);
    assertThat(sink.toByteArray()).isEqualTo(plain);
    assertThat(readChannel(s, ct, AD)).isEqualTo(plain);
    assertThat(readAll(s.decryptingChannel(ByteBuffer.wrap(ct), AD, "memory"))).isEqualTo(plain);
  }

  @Test
  void roundTrip_defaultChunkSize_severalChunksAndAPartialOne() throws IOException {
    StreamingAead s = StreamingAead.create(AeadKey.generate());
    assertThat(s.chunkSize()).isEqualTo(StreamingAead.DEFAULT_CHUNK_SIZE);
    byte[] plain = randomBytes(7, 2 * StreamingAead.DEFAULT_CHUNK_SIZE + 12345);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream enc = s.encryptingStream(out, AD)) {
      enc.write(plain);
    }
    byte[] ct = out.toByteArray();
    assertThat(ct).hasSize(StreamingAead.HEADER_SIZE + plain.length + 3 * StreamingAead.TAG_SIZE);
    byte[] back = new byte[plain.length];
    try (InputStream in = s.decryptingStream(new ByteArrayInputStream(ct), AD)) {
      assertThat(in.readNBytes(back, 0, back.length)).isEqualTo(plain.length);
      assertThat(in.read()).isEqualTo(-1);
    }
    assertThat(back).isEqualTo(plain);
  }

  @Test
  void decrypt_withChunkSizeFromHeader_ignoresTheReadersOwnSetting() throws IOException {
    AeadKey key = AeadKey.generate();
    byte[] plain = randomBytes(3, 1000);
    byte[] ct = encrypt(StreamingAead.create(Keyring.of(key), 128), plain, AD, new SplittableRandom(3));
    StreamingAead reader = StreamingAead.create(Keyring.of(key), 4096);
    assertThat(reader.decryptingStream(new ByteArrayInputStream(ct), AD).readAllBytes()).isEqualTo(plain);
  }

  @Test
  void decrypt_afterKeyRotation_readsStreamsUnderTheOldKey() throws IOException {
    AeadKey old = AeadKey.generate();
    byte[] plain = randomBytes(5, 300);
    byte[] ct = encrypt(StreamingAead.create(Keyring.of(old), 64), plain, AD, new SplittableRandom(5));
    StreamingAead rotated = StreamingAead.create(Keyring.of(AeadKey.generate(), old), 64);
    assertThat(rotated.decryptingStream(new ByteArrayInputStream(ct), AD).readAllBytes()).isEqualTo(plain);
    assertThat(readChannel(rotated, ct, AD)).isEqualTo(plain);
  }

  // ---------------------------------------------------------------------------------------------
  // rejection

  @Property(tries = 5)
  void decrypt_everySingleByteFlip_isIntegrityError(@ForAll long seed, @ForAll @IntRange(min = 1, max = 255) int mask) throws IOException {
    for (Case c : boundaryCases(seed)) {
      StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), c.chunkSize);
      byte[] ct = encrypt(s, randomBytes(c.seed, c.size), AD, new SplittableRandom(c.seed));
      for (int i = 0; i < ct.length; i++) {
        byte[] bad = ct.clone();
        bad[i] ^= (byte) mask;
        assertRejected(s, bad);
      }
    }
  }

  @Property(tries = 5)
  void decrypt_everyTruncation_isIntegrityError(@ForAll long seed) throws IOException {
    for (Case c : boundaryCases(seed)) {
      StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), c.chunkSize);
      byte[] ct = encrypt(s, randomBytes(c.seed, c.size), AD, new SplittableRandom(c.seed));
      for (int len = 0; len < ct.length; len++) {
        assertRejected(s, Arrays.copyOf(ct, len));
      }
    }
  }

  @Property(tries = 10)
  void decrypt_appendedData_isIntegrityError(@ForAll long seed) throws IOException {
    for (Case c : boundaryCases(seed)) {
      assertAppendsRejected(c);
    }
  }

  private static void assertAppendsRejected(Case c) throws IOException {
    AeadKey key = AeadKey.generate();
    StreamingAead s = StreamingAead.create(Keyring.of(key), c.chunkSize);
    SplittableRandom rnd = new SplittableRandom(c.seed);
    byte[] ct = encrypt(s, randomBytes(c.seed, c.size), AD, rnd);
    Layout l = Layout.of(ct, c.chunkSize);
    byte[] other = encrypt(s, randomBytes(c.seed + 1, 3 * c.chunkSize), AD, rnd);
    Layout o = Layout.of(other, c.chunkSize);

    assertRejected(s, AeadTest.concat(ct, new byte[] {0}));
    assertRejected(s, AeadTest.concat(ct, randomBytes(c.seed, StreamingAead.TAG_SIZE)));
    assertRejected(s, AeadTest.concat(ct, l.chunks.getLast()));
    assertRejected(s, AeadTest.concat(ct, o.chunks.getFirst()));
    assertRejected(s, AeadTest.concat(ct, o.chunks.getLast()));
    assertRejected(s, AeadTest.concat(ct, other));
  }

  @Property(tries = 10)
  void decrypt_chunksSwappedDuplicatedOrDeleted_isIntegrityError(@ForAll long seed) throws IOException {
    for (Case c : boundaryCases(seed)) {
      assertChunkMutationsRejected(c);
    }
  }

  private static void assertChunkMutationsRejected(Case c) throws IOException {
    StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), c.chunkSize);
    byte[] ct = encrypt(s, randomBytes(c.seed, c.size), AD, new SplittableRandom(c.seed));
    Layout l = Layout.of(ct, c.chunkSize);
    int n = l.chunks.size();
    for (int i = 0; i < n; i++) {
      List<byte[]> dup = new ArrayList<>(l.chunks);
      dup.add(i, l.chunks.get(i));
      assertRejected(s, l.with(dup));
      for (int j = 0; j <= n; j++) {
        List<byte[]> moved = new ArrayList<>(l.chunks);
        moved.add(j, l.chunks.get(i));
        assertRejected(s, l.with(moved));
      }
      if (n > 1) {
        List<byte[]> deleted = new ArrayList<>(l.chunks);
        deleted.remove(i);
        assertRejected(s, l.with(deleted));
      }
      for (int j = i + 1; j < n; j++) {
        List<byte[]> swapped = new ArrayList<>(l.chunks);
        swapped.set(i, l.chunks.get(j));
        swapped.set(j, l.chunks.get(i));
        assertRejected(s, l.with(swapped));
      }
    }
  }

  @Property(tries = 10)
  void decrypt_headerOrChunksFromAnotherStreamUnderTheSameKey_isIntegrityError(@ForAll long seed) throws IOException {
    for (Case c : boundaryCases(seed)) {
      assertSplicesRejected(c);
    }
  }

  private static void assertSplicesRejected(Case c) throws IOException {
    StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), c.chunkSize);
    byte[] plain = randomBytes(c.seed, c.size);
    Layout a = Layout.of(encrypt(s, plain, AD, new SplittableRandom(c.seed)), c.chunkSize);
    Layout b = Layout.of(encrypt(s, plain, AD, new SplittableRandom(c.seed)), c.chunkSize);
    assertRejected(s, new Layout(b.header, a.chunks).with(a.chunks));
    for (int i = 0; i < a.chunks.size(); i++) {
      List<byte[]> spliced = new ArrayList<>(a.chunks);
      spliced.set(i, b.chunks.get(i));
      assertRejected(s, a.with(spliced));
    }
  }

  @Test
  void decrypt_otherAssociatedDataOrKey_isIntegrityError() throws IOException {
    AeadKey key = AeadKey.generate();
    StreamingAead s = StreamingAead.create(Keyring.of(key), 64);
    byte[] ct = encrypt(s, randomBytes(1, 500), AD, new SplittableRandom(1));
    assertIntegrity(() -> s.decryptingStream(new ByteArrayInputStream(ct), new byte[0]).readAllBytes());
    assertIntegrity(() -> readChannel(s, ct, "backup/pack/0002".getBytes(StandardCharsets.UTF_8)));
    var e = assertIntegrity(() -> StreamingAead.create(AeadKey.generate()).decryptingStream(new ByteArrayInputStream(ct), AD, "pack-0001"));
    assertThat(e.getMessage()).contains("pack-0001").contains(key.id().toString());
  }

  @Test
  void decryptingStream_afterIntegrityFailure_keepsFailingAndNeverReturnsUnauthenticatedBytes() throws IOException {
    StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), 64);
    byte[] plain = randomBytes(2, 64 * 3 + 10);
    byte[] ct = encrypt(s, plain, AD, new SplittableRandom(2));
    ct[StreamingAead.HEADER_SIZE + 80 + 5] ^= 1; // inside chunk 1
    InputStream in = s.decryptingStream(new ByteArrayInputStream(ct), AD);
    byte[] first = new byte[64];
    assertThat(in.readNBytes(first, 0, 64)).isEqualTo(64);
    assertThat(first).isEqualTo(Arrays.copyOf(plain, 64));
    byte[] buf = new byte[64];
    var e = assertIntegrity(() -> in.read(buf));
    assertThat(e.getMessage()).contains("chunk 1");
    assertThat(buf).containsOnly(0);
    assertIntegrity(() -> in.read(buf));
  }

  @Test
  void encryptingStream_notClosed_leavesATruncatedStream() throws IOException {
    StreamingAead s = StreamingAead.create(Keyring.of(AeadKey.generate()), 64);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OutputStream enc = s.encryptingStream(out, AD);
    enc.write(randomBytes(4, 200));
    enc.flush();
    assertRejected(s, out.toByteArray());
  }

  @Test
  void encryptingStream_writeAfterClose_isIOException() throws IOException {
    OutputStream enc = StreamingAead.create(AeadKey.generate()).encryptingStream(new ByteArrayOutputStream(), AD);
    enc.close();
    enc.close();
    assertThatThrownBy(() -> enc.write(1)).isInstanceOf(IOException.class);
  }

  @Test
  void create_chunkSizeOutOfRange_isInvalidArgument() {
    Keyring keys = Keyring.of(AeadKey.generate());
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> StreamingAead.create(keys, StreamingAead.MIN_CHUNK_SIZE - 1));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> StreamingAead.create(keys, StreamingAead.MAX_CHUNK_SIZE + 1));
  }

  @Test
  void header_layoutIsAsDocumented() throws IOException {
    AeadKey key = AeadKey.generate();
    byte[] ct = encrypt(StreamingAead.create(Keyring.of(key), 4096), new byte[0], AD, new SplittableRandom(0));
    assertThat(ct).hasSize(StreamingAead.HEADER_SIZE + StreamingAead.TAG_SIZE);
    assertThat(new String(ct, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("DWSA");
    assertThat(ct[4]).isEqualTo((byte) 1);
    assertThat(ByteBuffer.wrap(ct, 5, 4).getInt()).isEqualTo(4096);
    assertThat(KeyId.read(ct, 9)).isEqualTo(key.id());
  }

  // ---------------------------------------------------------------------------------------------
  // the format as documented, implemented a second time on Bouncy Castle

  /** Our streams decrypt with a reference reader written from the class comment on Bouncy Castle. */
  @Property(tries = 100)
  void encryptingStream_output_decryptsWithIndependentReference(@ForAll("cases") Case c) throws Exception {
    AeadKey key = AeadKey.fromBytes(randomBytes(c.seed, 32));
    byte[] plain = randomBytes(c.seed + 1, c.size);
    byte[] ct = encrypt(StreamingAead.create(Keyring.of(key), c.chunkSize), plain, AD, new SplittableRandom(c.seed));
    assertThat(ReferenceStream.decrypt(key.bytes(), ct, AD)).isEqualTo(plain);
  }

  /** Streams written by the reference writer decrypt with the facade, by stream and by channel. */
  @Property(tries = 100)
  void decryptingStream_ofReferenceOutput_givesPlaintext(@ForAll("cases") Case c) throws Exception {
    AeadKey key = AeadKey.fromBytes(randomBytes(c.seed, 32));
    byte[] plain = randomBytes(c.seed + 1, c.size);
    byte[] ct = ReferenceStream.encrypt(key.bytes(), c.chunkSize, plain, AD, randomBytes(c.seed + 2, 39));
    StreamingAead s = StreamingAead.create(key);
    assertThat(s.decryptingStream(new ByteArrayInputStream(ct), AD).readAllBytes()).isEqualTo(plain);
    assertThat(readChannel(s, ct, AD)).isEqualTo(plain);
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /** Encrypts with writes of random sizes (single bytes, partial chunks, several chunks at once). */
  static byte[] encrypt(StreamingAead s, byte[] plain, byte[] ad, SplittableRandom rnd) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream enc = s.encryptingStream(out, ad)) {
      int off = 0;
      while (off < plain.length) {
        int kind = rnd.nextInt(4);
        if (kind == 0) {
          enc.write(plain[off++]);
          continue;
        }
        int max = kind == 3 ? 4 * s.chunkSize() : s.chunkSize();
        int n = Math.min(plain.length - off, 1 + rnd.nextInt(max));
        enc.write(plain, off, n);
        off += n;
      }
    }
    return out.toByteArray();
  }

  private static byte[] readInPieces(InputStream in, SplittableRandom rnd, int chunkSize) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (in) {
      while (true) {
        if (rnd.nextInt(5) == 0) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          out.write(b);
          continue;
        }
        byte[] buf = new byte[1 + rnd.nextInt(3 * chunkSize)];
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          break;
        }
        assertThat(n).isPositive();
        out.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }

  static byte[] readChannel(StreamingAead s, byte[] ct, byte[] ad) throws IOException {
    return readAll(s.decryptingChannel(new ByteArrayChannel(ct, 37), ad));
  }

  static byte[] readAll(SeekableByteChannel channel) throws IOException {
    try (SeekableByteChannel ch = channel) {
      ByteBuffer all = ByteBuffer.allocate((int) ch.size());
      while (all.hasRemaining()) {
        if (ch.read(all) < 0) {
          break;
        }
      }
      assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
      return all.array();
    }
  }

  /** Every decryptor (stream, channel, channel over memory) rejects {@code ct} with INTEGRITY. */
  private static void assertRejected(StreamingAead s, byte[] ct) {
    assertIntegrity(() -> s.decryptingStream(new ByteArrayInputStream(ct), AD).readAllBytes());
    assertIntegrity(() -> readChannel(s, ct, AD));
    assertIntegrity(() -> readAll(s.decryptingChannel(ByteBuffer.wrap(ct), AD, "memory")));
  }

  /** A ciphertext cut into its header and chunks. */
  record Layout(byte[] header, List<byte[]> chunks) {
    static Layout of(byte[] ct, int chunkSize) {
      int cc = chunkSize + StreamingAead.TAG_SIZE;
      List<byte[]> chunks = new ArrayList<>();
      for (int off = StreamingAead.HEADER_SIZE; off < ct.length; off += cc) {
        chunks.add(Arrays.copyOfRange(ct, off, Math.min(ct.length, off + cc)));
      }
      return new Layout(Arrays.copyOf(ct, StreamingAead.HEADER_SIZE), chunks);
    }

    byte[] with(List<byte[]> newChunks) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(header);
      newChunks.forEach(out::writeBytes);
      return out.toByteArray();
    }
  }
}
