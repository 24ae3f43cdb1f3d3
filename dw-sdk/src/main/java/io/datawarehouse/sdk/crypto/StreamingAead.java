package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Authenticated encryption of files, archives and other large or unbounded data: AES-256-GCM over
 * fixed-size chunks, streamed through an {@link OutputStream}/{@link InputStream} or read at random
 * through a {@link SeekableByteChannel}.
 *
 * <h2>Design</h2>
 *
 * This is the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár ("Online
 * Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015), instantiated as
 * in Tink's {@code AesGcmHkdfStreaming}, on the JDK's AES-GCM. Names from the paper: the
 * <em>segments</em> are our chunks, the <em>nonce prefix</em> and the <em>last-segment flag</em>
 * keep their names.
 *
 * <pre>
 *   header (56 bytes, written once at the start)
 *     offset 0   4   magic "DWSA"
 *     offset 4   1   format version (1)
 *     offset 5   4   chunk size C: plaintext bytes per chunk, big-endian
 *     offset 9   8   key id of the data key ({@link KeyId})
 *     offset 17  32  salt, random per stream
 *     offset 49  7   nonce prefix P, random per stream
 *   chunk i (i = 0, 1, ...): AES-GCM(stream key, nonce(i), plaintext[i*C, (i+1)*C)) = ciphertext || 16-byte tag
 *     every chunk holds exactly C plaintext bytes except the last, which holds 0..C
 *     (an empty plaintext is one empty final chunk: header + 16 bytes)
 *
 *   stream key = HKDF-SHA256(ikm = data key, salt = salt, info = header[0..17) || associated data)
 *   nonce(i)   = P (7 bytes) || i (4 bytes, big-endian) || last (1 byte: 1 for the final chunk, else 0)
 * </pre>
 *
 * <p><b>Why each part is there, and what it detects.</b> Every chunk is an independent GCM message,
 * so a reader can authenticate chunk {@code i} alone; the nonce binds the chunk to its position and
 * to whether it ends the stream, and the stream key binds it to this one stream:
 *
 * <ul>
 *   <li><b>Reordered, swapped, duplicated or deleted chunks</b>: a chunk moved to position
 *       {@code j != i} is decrypted with nonce(j) and fails its tag.
 *   <li><b>Truncation</b>: cut at a chunk boundary, the stream now ends with a chunk that was
 *       sealed with last = 0; the reader, which knows it is the end, uses last = 1 and the tag
 *       fails. Cut inside a chunk, that chunk's tag fails. Cut inside the header, or leaving no
 *       chunk at all, is rejected before decryption.
 *   <li><b>Appended data</b>: the real final chunk (last = 1) is no longer last, so it is decrypted
 *       with last = 0 and fails; whatever was appended cannot authenticate either.
 *   <li><b>Chunks spliced from another stream</b>, even under the same data key: each stream has
 *       its own random salt, hence its own stream key.
 *   <li><b>An altered header</b>: magic, version, chunk size and key id are bound into the stream
 *       key through the HKDF info, the salt is its HKDF salt, and the nonce prefix feeds every
 *       nonce; changing any of them changes the key or the nonces and every tag fails. The
 *       associated data is bound the same way (it is authenticated, not stored).
 *   <li><b>Any flipped bit</b> in a chunk fails that chunk's tag.
 * </ul>
 *
 * Every such failure is a {@link DwException} with code INTEGRITY that names the source and the
 * chunk. Nonces never repeat under one stream key: the chunk counter is unique within a stream
 * (at most 2<sup>32</sup> chunks, 4 PiB at the default chunk size) and stream keys are unique per
 * stream (a 256-bit random salt); so the per-key GCM limits of random nonces do not apply to the
 * data key.
 *
 * <p><b>What a reader may trust, and when.</b> A chunk's plaintext is released only after its tag
 * has been checked. The {@link InputStream} releases chunk by chunk, so a stream that turns out
 * to be truncated has already delivered authentic prefix bytes before the error: treat the data as
 * complete only when {@code read} returned -1 without throwing (restore to a temporary file, rename
 * on success). The {@link SeekableByteChannel} authenticates the final chunk when it opens, so its
 * {@code size()} is authenticated and truncation or extension fails at open.
 *
 * <p><b>Cost.</b> 72 bytes per stream (56 header, 16 tag of the final chunk) plus 16 bytes per
 * full chunk: 0.0015 % at 1 MiB chunks. One {@code Cipher} per stream, re-initialised per chunk,
 * and two chunk-sized buffers. Large writes are encrypted straight from the caller's array, and
 * reads of at least a chunk are decrypted straight into the caller's array; the one copy left is
 * the ciphertext read from the underlying stream or channel into the chunk buffer, which the
 * {@code InputStream} and {@code SeekableByteChannel} interfaces impose (on a 2-core AMD EPYC it
 * costs about a fifth of decryption throughput). A ciphertext already in memory, or mapped, is
 * read where it lies by {@link #decryptingChannel(ByteBuffer, byte[], String)}. Throughput is
 * measured beside one plain JDK AES-GCM call in dw-bench's {@code StreamingAeadBenchmark}.
 *
 * <p><b>Chunk size.</b> {@value #DEFAULT_CHUNK_SIZE} bytes by default, from {@value
 * #MIN_CHUNK_SIZE} to {@value #MAX_CHUNK_SIZE}; chosen by the writer and stored in the header, so a
 * reader needs no configuration. A random-access read costs at least one chunk of decryption, so
 * smaller chunks suit small random reads and larger ones (up to a few MiB) suit bulk data.
 *
 * <p>Thread-safety: a {@code StreamingAead} is immutable and thread-safe; each stream or channel
 * it opens is for one thread at a time.
 */
public final class StreamingAead {
  /** Plaintext bytes per chunk unless configured otherwise: 1 MiB. */
  public static final int DEFAULT_CHUNK_SIZE = 1 << 20;
  /** The smallest chunk size accepted. */
  public static final int MIN_CHUNK_SIZE = 64;
  /** The largest chunk size accepted (also the most memory a reader will allocate for a stream). */
  public static final int MAX_CHUNK_SIZE = 64 << 20;
  /** Bytes of the stream header. */
  public static final int HEADER_SIZE = ChunkCipher.HEADER_SIZE;
  /** Bytes of a chunk's authentication tag. */
  public static final int TAG_SIZE = ChunkCipher.TAG_SIZE;

  private final Keyring keys;
  private final int chunkSize;

  private StreamingAead(Keyring keys, int chunkSize) {
    this.keys = keys;
    this.chunkSize = chunkSize;
  }

  /** Encrypts with the keyring's primary key in 1 MiB chunks; decrypts streams under any of its keys. */
  public static StreamingAead create(Keyring keys) {
    return create(keys, DEFAULT_CHUNK_SIZE);
  }

  /** Encrypts and decrypts with one key in 1 MiB chunks. */
  public static StreamingAead create(AeadKey key) {
    return create(Keyring.of(key), DEFAULT_CHUNK_SIZE);
  }

  /**
   * Encrypts with the keyring's primary key in chunks of {@code chunkSize} plaintext bytes.
   * Decryption reads the chunk size from each stream's header, whatever this one says.
   *
   * @throws DwException INVALID_ARGUMENT when {@code chunkSize} is outside {@value
   *     #MIN_CHUNK_SIZE}..{@value #MAX_CHUNK_SIZE}
   */
  public static StreamingAead create(Keyring keys, int chunkSize) {
    CryptoSupport.requireNonNull(keys, "keyring");
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw DwException.invalidArgument("chunk size must be " + MIN_CHUNK_SIZE + ".." + MAX_CHUNK_SIZE + " bytes, not " + chunkSize);
    }
    return new StreamingAead(keys, chunkSize);
  }

  /** Plaintext bytes per chunk of the streams this instance writes. */
  public int chunkSize() {
    return chunkSize;
  }

  /**
   * A stream that encrypts what is written to it into {@code ciphertext}. The header is written at
   * once; {@link OutputStream#close()} writes the final chunk and closes {@code ciphertext}: a
   * stream that is not closed is truncated and will not decrypt. {@code flush()} cannot flush a
   * partial chunk (chunks have a fixed size); it flushes what was already encrypted.
   *
   * @param associatedData authenticated but not stored: the reader must give the same bytes (for
   *     example the name of the archive); an empty array when there are none
   * @throws IOException when writing the header to {@code ciphertext} fails
   */
  public OutputStream encryptingStream(OutputStream ciphertext, byte[] associatedData) throws IOException {
    CryptoSupport.requireNonNull(ciphertext, "ciphertext stream");
    CryptoSupport.requireNonNull(associatedData, "associated data (use an empty array for none)");
    byte[] header = new byte[HEADER_SIZE];
    ChunkCipher chunks = ChunkCipher.newStream(keys.primary(), chunkSize, associatedData, header);
    return new EncryptingOutputStream(ciphertext, chunks, header);
  }

  /** {@link #decryptingStream(InputStream, byte[], String)} with the source named "encrypted stream". */
  public InputStream decryptingStream(InputStream ciphertext, byte[] associatedData) throws IOException {
    return decryptingStream(ciphertext, associatedData, "encrypted stream");
  }

  /**
   * A stream of the plaintext of {@code ciphertext}, authenticated chunk by chunk. The header is
   * read and checked at once; closing the returned stream closes {@code ciphertext}.
   *
   * <p>{@code read} throws a {@link DwException} with code INTEGRITY (unchecked) at the first chunk
   * that fails to authenticate, and again on every later call; plaintext already returned came from
   * authentic chunks, but the stream is complete only once {@code read} returns -1.
   *
   * @param source names the ciphertext in error messages (usually its file name)
   * @throws DwException INTEGRITY when the header is missing, altered, of an unknown version, or
   *     names a key the keyring lacks
   * @throws IOException when reading {@code ciphertext} fails
   */
  public InputStream decryptingStream(InputStream ciphertext, byte[] associatedData, String source) throws IOException {
    CryptoSupport.requireNonNull(ciphertext, "ciphertext stream");
    CryptoSupport.requireNonNull(associatedData, "associated data (use an empty array for none)");
    byte[] header = ciphertext.readNBytes(HEADER_SIZE);
    if (header.length < HEADER_SIZE) {
      throw DwException.integrity(source + ": " + header.length + " bytes are shorter than the " + HEADER_SIZE
          + "-byte stream header: truncated, or not an encrypted stream");
    }
    return new DecryptingInputStream(ciphertext, ChunkCipher.openStream(keys, header, associatedData, source));
  }

  /** {@link #decryptingChannel(SeekableByteChannel, byte[], String)} with the source named "encrypted channel". */
  public SeekableByteChannel decryptingChannel(SeekableByteChannel ciphertext, byte[] associatedData) throws IOException {
    return decryptingChannel(ciphertext, associatedData, "encrypted channel");
  }

  /**
   * A read-only channel over the plaintext of {@code ciphertext} for random access: {@code
   * position(p)} then {@code read} returns plaintext bytes from {@code p}, decrypting and
   * authenticating only the chunks the read touches. Opening authenticates the final chunk, so
   * {@code size()} (the plaintext size) is authenticated and a truncated or extended ciphertext
   * fails here. Closing it closes {@code ciphertext}.
   *
   * @throws DwException INTEGRITY when the header or the final chunk does not authenticate (reads
   *     throw INTEGRITY for the chunks they touch)
   * @throws IOException when reading {@code ciphertext} fails
   */
  public SeekableByteChannel decryptingChannel(SeekableByteChannel ciphertext, byte[] associatedData, String source) throws IOException {
    CryptoSupport.requireNonNull(ciphertext, "ciphertext channel");
    CryptoSupport.requireNonNull(associatedData, "associated data (use an empty array for none)");
    return DecryptingChannel.open(ciphertext, keys, associatedData, source);
  }

  /**
   * {@link #decryptingChannel(SeekableByteChannel, byte[], String)} over a ciphertext in memory:
   * the remaining bytes of {@code ciphertext} (a heap buffer, or a file mapped with {@link
   * FileChannel#map}). The cipher reads each chunk where it lies, so a heap buffer is decrypted
   * without any copy. The buffer's position and limit are left alone; its content must not change
   * while the channel is open. Closing the channel releases nothing but itself.
   *
   * @throws DwException INTEGRITY as for a channel
   */
  public SeekableByteChannel decryptingChannel(ByteBuffer ciphertext, byte[] associatedData, String source) throws IOException {
    CryptoSupport.requireNonNull(ciphertext, "ciphertext buffer");
    CryptoSupport.requireNonNull(associatedData, "associated data (use an empty array for none)");
    return DecryptingChannel.open(ciphertext, keys, associatedData, source);
  }

  /**
   * {@link #decryptingChannel(SeekableByteChannel, byte[], String)} over a file, named by its path
   * in errors.
   *
   * @throws java.nio.file.NoSuchFileException when it does not exist
   */
  public SeekableByteChannel decryptingChannel(Path file, byte[] associatedData) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return decryptingChannel(ch, associatedData, file.toString());
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** The size of the ciphertext of {@code plaintextSize} bytes at this instance's chunk size. */
  public long ciphertextSize(long plaintextSize) {
    if (plaintextSize < 0) {
      throw DwException.invalidArgument("a plaintext size cannot be negative: " + plaintextSize);
    }
    long chunks = Math.max(1, (plaintextSize + chunkSize - 1) / chunkSize);
    return HEADER_SIZE + plaintextSize + chunks * TAG_SIZE;
  }

  @Override
  public String toString() {
    return "StreamingAead[AES-256-GCM-HKDF-SHA256 STREAM, chunk=" + chunkSize + ", " + keys + "]";
  }
}
