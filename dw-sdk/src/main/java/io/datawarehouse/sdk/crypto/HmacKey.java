package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Secret;
import javax.security.auth.Destroyable;

/**
 * A key for {@link Hmac} (HMAC-SHA256), with its public {@link KeyId}.
 *
 * <p>{@link #generate()} makes 32 random bytes, the size the HMAC-SHA256 security proof wants.
 * {@link #fromBytes(byte[])} accepts any non-empty length so that keys from elsewhere (and the
 * RFC 4231 test keys) work; keys shorter than 32 bytes are weaker than the algorithm. Same secret
 * discipline as {@link AeadKey}: no key bytes in {@code toString}, no {@code equals}, a masked
 * {@link Secret} as the only way out, {@link #destroy()} wipes.
 *
 * <p>Immutable until destroyed; thread-safe.
 */
public final class HmacKey implements Destroyable {
  /** Bytes of a generated key. */
  public static final int SIZE = 32;

  private final KeyBytes key;
  private final KeyId id;

  private HmacKey(byte[] bytes) {
    if (bytes.length == 0) {
      throw DwException.invalidArgument("an HMAC key must not be empty");
    }
    this.key = new KeyBytes(bytes, "HMAC key");
    this.id = KeyId.derive(bytes, "DataWarehouse HMAC-SHA256 key id v1");
  }

  /** A new random 32-byte key. */
  public static HmacKey generate() {
    return KeyBytes.consume(CryptoSupport.randomBytes(SIZE), HmacKey::new);
  }

  /** A key from bytes (copied; wipe your array afterwards). INVALID_ARGUMENT when empty. */
  public static HmacKey fromBytes(byte[] bytes) {
    CryptoSupport.requireNonNull(bytes, "key bytes");
    return new HmacKey(bytes);
  }

  /** A key from its base64 form. INVALID_ARGUMENT when not base64 or empty. */
  public static HmacKey fromBase64(Secret base64) {
    return KeyBytes.consume(KeyBytes.fromBase64(base64, "HMAC key"), HmacKey::new);
  }

  /**
   * A 32-byte HMAC key derived from an AES key for {@code purpose} (HKDF-SHA256, info
   * {@code "DataWarehouse derive hmac v1:" + purpose}): for example the keyed content ids of a
   * deduplicating backup, derived from the repository's data key.
   */
  public static HmacKey derive(AeadKey from, String purpose) {
    CryptoSupport.requireNonNull(from, "key");
    return KeyBytes.consume(Hkdf.derive(null, from.bytes(), AeadKey.info("hmac", purpose), SIZE), HmacKey::new);
  }

  /** The key's bytes in base64, as a {@link Secret}. */
  public Secret toBase64() {
    return key.toBase64();
  }

  /** The key's public id. */
  public KeyId id() {
    return id;
  }

  /** Length of the key in bytes. */
  public int length() {
    return key.length();
  }

  byte[] bytes() {
    return key.get();
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
    return "HmacKey[id=" + id + (key.isDestroyed() ? ", destroyed" : "") + "]";
  }
}
