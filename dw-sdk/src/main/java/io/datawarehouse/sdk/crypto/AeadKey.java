package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Secret;
import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.Destroyable;

/**
 * A 256-bit AES key for {@link Aead} and {@link StreamingAead} (and as a raw key-encryption key
 * of a {@link KeyFile}), with its public {@link KeyId}.
 *
 * <p>Key material never leaves this object by accident: {@link #toString()} shows only the id,
 * there is no {@code equals} on the bytes (compare {@link #id()}s), and the only way out in clear
 * is {@link #toBase64()}, which returns a {@link Secret} that masks itself. {@link #destroy()}
 * wipes the bytes (best effort, see {@link Destroyable}); a destroyed key refuses to work with
 * FAILED_PRECONDITION.
 *
 * <p>Immutable until destroyed; thread-safe.
 */
public final class AeadKey implements Destroyable {
  /** Bytes of an AES-256 key. */
  public static final int SIZE = 32;

  private final KeyBytes key;
  private final KeyId id;

  private AeadKey(byte[] bytes) {
    if (bytes.length != SIZE) {
      throw DwException.invalidArgument("an AES-256 key is " + SIZE + " bytes, not " + bytes.length);
    }
    this.key = new KeyBytes(bytes, "AES-256 key");
    this.id = KeyId.derive(bytes, "DataWarehouse AES-256 key id v1");
  }

  /** A new random key from the platform's {@code SecureRandom}. */
  public static AeadKey generate() {
    return KeyBytes.consume(CryptoSupport.randomBytes(SIZE), AeadKey::new);
  }

  /**
   * A key from 32 bytes (copied; wipe your array afterwards).
   *
   * @throws DwException INVALID_ARGUMENT when {@code bytes} is not 32 bytes long
   */
  public static AeadKey fromBytes(byte[] bytes) {
    CryptoSupport.requireNonNull(bytes, "key bytes");
    return new AeadKey(bytes);
  }

  /**
   * A key from its base64 form (as {@link #toBase64()} writes it, for example from a
   * configuration value).
   *
   * @throws DwException INVALID_ARGUMENT when the text is not base64 of 32 bytes
   */
  public static AeadKey fromBase64(Secret base64) {
    return KeyBytes.consume(KeyBytes.fromBase64(base64, "AES-256 key"), AeadKey::new);
  }

  /** The key's bytes in base64, as a {@link Secret} (prints as {@value Secret#MASK}). */
  public Secret toBase64() {
    return key.toBase64();
  }

  /** The key's public id. */
  public KeyId id() {
    return id;
  }

  /**
   * A different key derived from this one for {@code purpose} (HKDF-SHA256, info
   * {@code "DataWarehouse derive aead v1:" + purpose}). The same key and purpose always give the
   * same derived key; different purposes give independent keys.
   */
  public AeadKey derive(String purpose) {
    return KeyBytes.consume(Hkdf.derive(null, key.get(), info("aead", purpose), SIZE), AeadKey::new);
  }

  static byte[] info(String kind, String purpose) {
    if (purpose == null || purpose.isEmpty()) {
      throw DwException.invalidArgument("a key derivation needs a non-empty purpose");
    }
    return ("DataWarehouse derive " + kind + " v1:" + purpose).getBytes(StandardCharsets.UTF_8);
  }

  /** The live key bytes; package-private, never modify. */
  byte[] bytes() {
    return key.get();
  }

  /** A JCA key for one use (SecretKeySpec copies the bytes). */
  SecretKeySpec spec() {
    return new SecretKeySpec(key.get(), "AES");
  }

  @Override
  public void destroy() {
    key.destroy();
  }

  @Override
  public boolean isDestroyed() {
    return key.isDestroyed();
  }

  @Override
  public String toString() {
    return "AeadKey[id=" + id + (key.isDestroyed() ? ", destroyed" : "") + "]";
  }
}
