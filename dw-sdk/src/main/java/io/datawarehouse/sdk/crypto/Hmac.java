package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import javax.crypto.Mac;

/**
 * HMAC-SHA256 signatures (RFC 2104, FIPS 198-1) over records, ledger entries and monitoring
 * reports, verified in constant time.
 *
 * <pre>{@code
 * Hmac hmac = Hmac.create(key);
 * byte[] tag = hmac.sign(record);
 * hmac.verify(record, tag);          // DwException INTEGRITY when it does not match
 * }</pre>
 *
 * <p>Verification compares the whole 32-byte tag with {@link MessageDigest#isEqual}, whose time
 * does not depend on where the tags differ; truncated tags are not accepted. Thread-safe: each
 * call uses its own {@code Mac}.
 */
public final class Hmac {
  /** Bytes of a tag. */
  public static final int TAG_SIZE = 32;

  private final HmacKey key;
  /** One keyed {@code Mac} per thread, reset before each use (a provider lookup and key set-up per tag cost more than a small message's hash). */
  private final ThreadLocal<Mac> macs;

  private Hmac(HmacKey key) {
    this.key = key;
    this.macs = ThreadLocal.withInitial(() -> CryptoSupport.newHmac(key.bytes()));
  }

  /** This thread's Mac for the key, in its initial keyed state (an earlier use may have stopped midway). */
  private Mac mac() {
    Mac mac = macs.get();
    mac.reset();
    return mac;
  }

  /** Signs and verifies with {@code key}. */
  public static Hmac create(HmacKey key) {
    CryptoSupport.requireNonNull(key, "HMAC key");
    return new Hmac(key);
  }

  /** The id of the key, to store beside signatures. */
  public KeyId keyId() {
    return key.id();
  }

  /** The 32-byte tag of {@code data}. */
  public byte[] sign(byte[] data) {
    return sign(data, 0, data.length);
  }

  /** The tag of {@code data[off .. off + len)}. */
  public byte[] sign(byte[] data, int off, int len) {
    Mac mac = mac();
    mac.update(data, off, len);
    return mac.doFinal();
  }

  /** The tag of the remaining bytes of {@code data} (its position moves to its limit). */
  public byte[] sign(ByteBuffer data) {
    Mac mac = mac();
    mac.update(data);
    return mac.doFinal();
  }

  /** The tag of everything {@code in} yields until its end; {@code in} is not closed. */
  public byte[] sign(InputStream in) throws IOException {
    Mac mac = mac();
    byte[] buf = new byte[64 * 1024];
    for (int n; (n = in.read(buf)) >= 0; ) {
      mac.update(buf, 0, n);
    }
    return mac.doFinal();
  }

  /** Whether {@code tag} is the tag of {@code data}, compared in constant time. */
  public boolean isValid(byte[] data, byte[] tag) {
    CryptoSupport.requireNonNull(tag, "tag");
    byte[] expected = sign(data);
    return tag.length == TAG_SIZE && MessageDigest.isEqual(expected, tag);
  }

  /**
   * Checks that {@code tag} is the tag of {@code data}.
   *
   * @throws DwException INTEGRITY when it is not (the data or the tag was altered, or another key
   *     signed it)
   */
  public void verify(byte[] data, byte[] tag) {
    if (!isValid(data, tag)) {
      throw DwException.integrity("HMAC-SHA256 signature mismatch over " + data.length + " bytes (key " + key.id()
          + (tag.length == TAG_SIZE ? "" : ", tag of " + tag.length + " bytes instead of " + TAG_SIZE)
          + "): the data or its signature was altered, or another key signed it");
    }
  }

  /** Whether two byte arrays are equal, in time that depends only on their lengths. */
  public static boolean constantTimeEquals(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }

  @Override
  public String toString() {
    return "Hmac[HMAC-SHA256, key " + key.id() + "]";
  }
}
