package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;

/**
 * Authenticated encryption of small payloads (records, journal entries, tokens; up to a few MiB):
 * AES-256-GCM with a fresh random 96-bit nonce per message, the key id in a versioned header, and
 * optional associated data that is authenticated but not encrypted. For files and archives use
 * {@link StreamingAead}.
 *
 * <p>Format (version 1), {@value #OVERHEAD} bytes more than the plaintext:
 *
 * <pre>
 *   offset 0   u8      version (1)
 *   offset 1   8 bytes key id (see {@link KeyId})
 *   offset 9   12      nonce (random)
 *   offset 21  n       ciphertext
 *   end - 16   16      GCM tag
 * </pre>
 *
 * The GCM associated data is the 9 header bytes followed by the caller's associated data, so the
 * version and key id are authenticated too (the header has a fixed length, so the concatenation is
 * unambiguous).
 *
 * <p>Limits: random 96-bit nonces stay safe for about 2<sup>32</sup> messages per key (NIST SP
 * 800-38D); rotate the key ({@link KeyFile#rotateDataKey()}) well before that.
 *
 * <p>Errors: every failure to decrypt (a flipped bit anywhere, a truncated or extended message, a
 * wrong key, wrong associated data, an unknown version or key id) is a {@link DwException} with
 * code INTEGRITY; no plaintext is ever returned for a message that did not authenticate.
 *
 * <p>Thread-safe: each call uses its own {@code Cipher}.
 */
public final class Aead {
  /** The format version this class writes. */
  public static final int VERSION = 1;
  /** Bytes of the header: version and key id. */
  public static final int HEADER_SIZE = 1 + KeyId.SIZE;
  /** Bytes a ciphertext has beyond its plaintext: header, nonce, tag. */
  public static final int OVERHEAD = HEADER_SIZE + CryptoSupport.GCM_NONCE_SIZE + CryptoSupport.GCM_TAG_SIZE;

  private final Keyring keys;

  private Aead(Keyring keys) {
    this.keys = keys;
  }

  /** Encrypts with the keyring's primary key and decrypts with any key of it. */
  public static Aead create(Keyring keys) {
    CryptoSupport.requireNonNull(keys, "keyring");
    return new Aead(keys);
  }

  /** Encrypts and decrypts with one key. */
  public static Aead create(AeadKey key) {
    return create(Keyring.of(key));
  }

  /**
   * Encrypts {@code plaintext} under the primary key.
   *
   * @param associatedData authenticated with the message but not stored in it: the same bytes must
   *     be given to {@link #decrypt}; use an empty array when there are none
   * @return header, nonce, ciphertext and tag ({@link #OVERHEAD} bytes more than the plaintext)
   */
  public byte[] encrypt(byte[] plaintext, byte[] associatedData) {
    CryptoSupport.requireNonNull(plaintext, "plaintext");
    CryptoSupport.requireNonNull(associatedData, "associated data (use an empty array for none)");
    if (plaintext.length > Integer.MAX_VALUE - OVERHEAD) {
      throw DwException.invalidArgument("a plaintext of " + plaintext.length + " bytes is too large for Aead: use StreamingAead");
    }
    AeadKey key = keys.primary();
    byte[] out = new byte[plaintext.length + OVERHEAD];
    out[0] = VERSION;
    key.id().write(out, 1);
    byte[] nonce = CryptoSupport.randomBytes(CryptoSupport.GCM_NONCE_SIZE);
    System.arraycopy(nonce, 0, out, HEADER_SIZE, nonce.length);
    Gcm.seal(key.spec(), nonce, aad(out, associatedData), plaintext, 0, plaintext.length, out, HEADER_SIZE + nonce.length);
    return out;
  }

  /**
   * Encrypts {@code plaintext[off .. off + len)} under the primary key into {@code out[outOff ..]}
   * (which needs {@code len + }{@link #OVERHEAD} bytes), in the same format as
   * {@link #encrypt(byte[], byte[])}: for writers that reuse one buffer for many messages.
   *
   * @return the bytes written ({@code len + OVERHEAD})
   */
  public int encrypt(byte[] plaintext, int off, int len, byte[] associatedData, byte[] out, int outOff) {
    CryptoSupport.requireNonNull(plaintext, "plaintext");
    CryptoSupport.requireNonNull(associatedData, "associated data (use an empty array for none)");
    CryptoSupport.requireNonNull(out, "output buffer");
    java.util.Objects.checkFromIndexSize(off, len, plaintext.length);
    if (len > Integer.MAX_VALUE - OVERHEAD) {
      throw DwException.invalidArgument("a plaintext of " + len + " bytes is too large for Aead: use StreamingAead");
    }
    if (outOff < 0 || outOff > out.length || out.length - outOff < len + OVERHEAD) {
      throw DwException.invalidArgument("an output buffer of " + out.length + " bytes from offset " + outOff
          + " cannot take the " + (len + OVERHEAD) + " bytes of the message");
    }
    AeadKey key = keys.primary();
    out[outOff] = VERSION;
    key.id().write(out, outOff + 1);
    byte[] nonce = CryptoSupport.randomBytes(CryptoSupport.GCM_NONCE_SIZE);
    System.arraycopy(nonce, 0, out, outOff + HEADER_SIZE, nonce.length);
    int n = Gcm.seal(key.spec(), nonce, aad(out, outOff, associatedData), plaintext, off, len, out,
        outOff + HEADER_SIZE + nonce.length);
    return HEADER_SIZE + nonce.length + n;
  }

  /**
   * Decrypts and authenticates a message made by {@link #encrypt}.
   *
   * @throws DwException INTEGRITY when the message does not authenticate (altered, truncated,
   *     extended, another key, other associated data) or names a key this keyring lacks
   */
  public byte[] decrypt(byte[] ciphertext, byte[] associatedData) {
    CryptoSupport.requireNonNull(ciphertext, "ciphertext");
    CryptoSupport.requireNonNull(associatedData, "associated data (use an empty array for none)");
    AeadKey key = keys.keyFor(keyIdOf(ciphertext), "the message");
    int off = HEADER_SIZE + CryptoSupport.GCM_NONCE_SIZE;
    try {
      return Gcm.open(key.spec(), Arrays.copyOfRange(ciphertext, HEADER_SIZE, off), aad(ciphertext, associatedData),
          ciphertext, off, ciphertext.length - off);
    } catch (AEADBadTagException e) {
      throw DwException.integrity("the message (" + ciphertext.length + " bytes, key " + key.id()
          + ") failed authentication: it was altered, truncated or extended, or the associated data differs", e);
    }
  }

  /**
   * Decrypts and authenticates the message {@code ciphertext[off .. off + len)} made by
   * {@link #encrypt} into {@code out[outOff ..]}, which needs {@link #plaintextLength(int)
   * plaintextLength(len)} bytes: for readers that reuse one buffer for many messages.
   *
   * @return the plaintext length
   * @throws DwException INTEGRITY as {@link #decrypt(byte[], byte[])} does (then nothing of the
   *     plaintext is left in {@code out}); INVALID_ARGUMENT when {@code out} is too small
   */
  public int decrypt(byte[] ciphertext, int off, int len, byte[] associatedData, byte[] out, int outOff) {
    CryptoSupport.requireNonNull(ciphertext, "ciphertext");
    CryptoSupport.requireNonNull(associatedData, "associated data (use an empty array for none)");
    CryptoSupport.requireNonNull(out, "output buffer");
    java.util.Objects.checkFromIndexSize(off, len, ciphertext.length);
    AeadKey key = keys.keyFor(keyIdOf(ciphertext, off, len), "the message");
    int plain = len - OVERHEAD;
    if (outOff < 0 || outOff > out.length || out.length - outOff < plain) {
      throw DwException.invalidArgument("an output buffer of " + out.length + " bytes from offset " + outOff
          + " cannot take the " + plain + " bytes of plaintext");
    }
    int ct = off + HEADER_SIZE + CryptoSupport.GCM_NONCE_SIZE;
    try {
      return Gcm.open(key.spec(), Arrays.copyOfRange(ciphertext, off + HEADER_SIZE, ct),
          aad(ciphertext, off, associatedData), ciphertext, ct, off + len - ct, out, outOff);
    } catch (AEADBadTagException e) {
      throw DwException.integrity("the message (" + len + " bytes, key " + key.id()
          + ") failed authentication: it was altered, truncated or extended, or the associated data differs", e);
    }
  }

  /** The plaintext length of a message of {@code ciphertextLength} bytes made by {@link #encrypt}. */
  public static int plaintextLength(int ciphertextLength) {
    if (ciphertextLength < OVERHEAD) {
      throw DwException.integrity("the message is " + ciphertextLength + " bytes, shorter than the " + OVERHEAD
          + " bytes of header, nonce and tag: truncated, or not made by Aead");
    }
    return ciphertextLength - OVERHEAD;
  }

  /** The GCM associated data: the 9 header bytes of the message at {@code message[off]}, then the caller's. */
  private static byte[] aad(byte[] message, int off, byte[] associatedData) {
    byte[] aad = new byte[HEADER_SIZE + associatedData.length];
    System.arraycopy(message, off, aad, 0, HEADER_SIZE);
    System.arraycopy(associatedData, 0, aad, HEADER_SIZE, associatedData.length);
    return aad;
  }

  /** The GCM associated data: the 9 header bytes of {@code message}, then the caller's. */
  private static byte[] aad(byte[] message, byte[] associatedData) {
    byte[] aad = Arrays.copyOf(message, HEADER_SIZE + associatedData.length);
    System.arraycopy(associatedData, 0, aad, HEADER_SIZE, associatedData.length);
    return aad;
  }

  /**
   * The id of the key a message was encrypted under (read from its header, not yet authenticated):
   * for example to find messages still under an old key after a rotation.
   *
   * @throws DwException INTEGRITY when the message is too short or of an unknown version
   */
  public static KeyId keyIdOf(byte[] ciphertext) {
    return keyIdOf(ciphertext, 0, ciphertext.length);
  }

  private static KeyId keyIdOf(byte[] ciphertext, int off, int len) {
    if (len < OVERHEAD) {
      throw DwException.integrity("the message is " + len + " bytes, shorter than the " + OVERHEAD
          + " bytes of header, nonce and tag: truncated, or not made by Aead");
    }
    if (ciphertext[off] != VERSION) {
      throw DwException.integrity("the message has format version " + (ciphertext[off] & 0xFF) + ", this build reads version "
          + VERSION + ": altered, or not made by Aead");
    }
    return KeyId.read(ciphertext, off + 1);
  }

  @Override
  public String toString() {
    return "Aead[AES-256-GCM, " + keys + "]";
  }
}
