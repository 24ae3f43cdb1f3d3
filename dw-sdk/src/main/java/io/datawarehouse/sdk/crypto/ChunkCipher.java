package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-stream state of {@link StreamingAead}: the parsed header, the stream key derived from
 * it, one reused {@code Cipher}, and the chunk nonce scheme. See {@link StreamingAead} for the
 * format and what the nonce scheme detects. Not thread-safe: one per stream.
 */
final class ChunkCipher {
  static final int MAGIC = ('D' << 24) | ('W' << 16) | ('S' << 8) | 'A';
  static final int VERSION = 1;
  static final int SALT_SIZE = 32;
  static final int NONCE_PREFIX_SIZE = 7;
  /** magic, version, chunk size, key id: the part of the header bound into the stream key. */
  static final int BOUND_HEADER_SIZE = 4 + 1 + 4 + KeyId.SIZE;
  static final int HEADER_SIZE = BOUND_HEADER_SIZE + SALT_SIZE + NONCE_PREFIX_SIZE;
  static final int TAG_SIZE = CryptoSupport.GCM_TAG_SIZE;
  static final long MAX_CHUNKS = 1L << 32;

  private final Cipher cipher = CryptoSupport.newGcm();
  private final SecretKeySpec streamKey;
  private final byte[] nonce = new byte[CryptoSupport.GCM_NONCE_SIZE];
  private final int chunkSize;
  private final KeyId keyId;
  private final String source;

  private ChunkCipher(byte[] header, AeadKey key, byte[] associatedData, String source) {
    this.chunkSize = readInt(header, 5);
    this.keyId = key.id();
    this.source = source;
    byte[] salt = Arrays.copyOfRange(header, BOUND_HEADER_SIZE, BOUND_HEADER_SIZE + SALT_SIZE);
    byte[] info = new byte[BOUND_HEADER_SIZE + associatedData.length];
    System.arraycopy(header, 0, info, 0, BOUND_HEADER_SIZE);
    System.arraycopy(associatedData, 0, info, BOUND_HEADER_SIZE, associatedData.length);
    byte[] k = Hkdf.derive(salt, key.bytes(), info, AeadKey.SIZE);
    try {
      this.streamKey = new SecretKeySpec(k, "AES");
    } finally {
      Arrays.fill(k, (byte) 0);
    }
    System.arraycopy(header, BOUND_HEADER_SIZE + SALT_SIZE, nonce, 0, NONCE_PREFIX_SIZE);
  }

  /** A new stream under {@code key}: writes a fresh header (random salt and nonce prefix) into {@code header}. */
  static ChunkCipher newStream(AeadKey key, int chunkSize, byte[] associatedData, byte[] header) {
    writeInt(header, 0, MAGIC);
    header[4] = VERSION;
    writeInt(header, 5, chunkSize);
    key.id().write(header, 9);
    byte[] random = CryptoSupport.randomBytes(SALT_SIZE + NONCE_PREFIX_SIZE);
    System.arraycopy(random, 0, header, BOUND_HEADER_SIZE, random.length);
    return new ChunkCipher(header, key, associatedData, "encrypted stream");
  }

  /**
   * The cipher of an existing stream whose {@code header} was read.
   *
   * @throws DwException INTEGRITY on a wrong magic, an unknown version, an impossible chunk size,
   *     or a key id the keyring lacks
   */
  static ChunkCipher openStream(Keyring keys, byte[] header, byte[] associatedData, String source) {
    int magic = readInt(header, 0);
    if (magic != MAGIC) {
      throw DwException.integrity(String.format("%s: header mismatch: actual magic=0x%08x vs expected magic=0x%08x (%s):"
          + " not an encrypted stream, or its header was altered", source, magic, MAGIC, "DWSA"));
    }
    if (header[4] != VERSION) {
      throw DwException.integrity(source + ": stream format version " + (header[4] & 0xFF) + " is not supported (this build reads "
          + VERSION + "), or the header was altered");
    }
    int chunkSize = readInt(header, 5);
    if (chunkSize < StreamingAead.MIN_CHUNK_SIZE || chunkSize > StreamingAead.MAX_CHUNK_SIZE) {
      throw DwException.integrity(source + ": the header's chunk size " + Integer.toUnsignedString(chunkSize) + " is outside "
          + StreamingAead.MIN_CHUNK_SIZE + ".." + StreamingAead.MAX_CHUNK_SIZE + ": the header was altered");
    }
    AeadKey key = keys.keyFor(KeyId.read(header, 9), source);
    return new ChunkCipher(header, key, associatedData, source);
  }

  int chunkSize() {
    return chunkSize;
  }

  KeyId keyId() {
    return keyId;
  }

  String source() {
    return source;
  }

  /** Encrypts chunk {@code index}; returns the ciphertext length ({@code len + 16}). */
  int encrypt(long index, boolean last, byte[] in, int off, int len, byte[] out, int outOff) {
    if (index >= MAX_CHUNKS) {
      throw DwException.invalidArgument("a stream holds at most 2^32 chunks (" + MAX_CHUNKS * (long) chunkSize
          + " bytes at chunk size " + chunkSize + "): split the data or use a larger chunk size");
    }
    try {
      cipher.init(Cipher.ENCRYPT_MODE, streamKey, nonceFor(index, last));
      return cipher.doFinal(in, off, len, out, outOff);
    } catch (GeneralSecurityException e) {
      throw CryptoSupport.internal(source + ": AES-GCM encryption of chunk " + index, e);
    }
  }

  /**
   * Decrypts and authenticates chunk {@code index} of {@code len} ciphertext bytes; returns the
   * plaintext length. On failure nothing of the chunk's plaintext is left in {@code out}.
   *
   * @throws DwException INTEGRITY when the chunk does not authenticate as chunk {@code index}
   *     with this finality
   */
  int decrypt(long index, boolean last, byte[] in, int off, int len, byte[] out, int outOff) {
    checkChunk(index, len);
    try {
      cipher.init(Cipher.DECRYPT_MODE, streamKey, nonceFor(index, last));
      return cipher.doFinal(in, off, len, out, outOff);
    } catch (AEADBadTagException e) {
      throw failed(index, last, out, outOff, len, e);
    } catch (GeneralSecurityException e) {
      throw CryptoSupport.internal(source + ": AES-GCM decryption of chunk " + index, e);
    }
  }

  /** {@link #decrypt(long, boolean, byte[], int, int, byte[], int)} from the remaining bytes of {@code in}. */
  int decrypt(long index, boolean last, ByteBuffer in, byte[] out, int outOff) {
    int len = in.remaining();
    checkChunk(index, len);
    try {
      cipher.init(Cipher.DECRYPT_MODE, streamKey, nonceFor(index, last));
      return cipher.doFinal(in, ByteBuffer.wrap(out, outOff, out.length - outOff));
    } catch (AEADBadTagException e) {
      throw failed(index, last, out, outOff, len, e);
    } catch (GeneralSecurityException e) {
      throw CryptoSupport.internal(source + ": AES-GCM decryption of chunk " + index, e);
    }
  }

  private void checkChunk(long index, int len) {
    if (len < TAG_SIZE) {
      throw DwException.integrity(source + ": chunk " + index + " has " + len + " bytes, fewer than its " + TAG_SIZE
          + "-byte tag: the stream was truncated or extended");
    }
    if (index >= MAX_CHUNKS) {
      throw DwException.integrity(source + ": more than 2^32 chunks: the stream was extended");
    }
  }

  private DwException failed(long index, boolean last, byte[] out, int outOff, int len, AEADBadTagException e) {
    Arrays.fill(out, outOff, outOff + len - TAG_SIZE, (byte) 0);
    return DwException.integrity(source + ": chunk " + index + (last ? " (the last)" : "") + " failed authentication (key "
        + keyId + "): the stream was altered, truncated, reordered or extended, or the associated data differs", e);
  }

  private GCMParameterSpec nonceFor(long index, boolean last) {
    writeInt(nonce, NONCE_PREFIX_SIZE, (int) index);
    nonce[NONCE_PREFIX_SIZE + 4] = (byte) (last ? 1 : 0);
    return new GCMParameterSpec(CryptoSupport.GCM_TAG_BITS, nonce);
  }

  static int readInt(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
  }

  static void writeInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
