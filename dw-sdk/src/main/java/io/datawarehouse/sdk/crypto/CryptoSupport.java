package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Shared plumbing of the crypto package: the one {@link SecureRandom}, JDK primitive lookup, and
 * the translation of JDK exceptions into {@link DwException}s whose messages carry no key
 * material (the JDK's own messages never contain key bytes either, but we do not forward them
 * where a person would read them as the reason).
 */
final class CryptoSupport {
  static final String AES_GCM = "AES/GCM/NoPadding";
  static final String HMAC_SHA256 = "HmacSHA256";
  static final int GCM_TAG_BITS = 128;
  static final int GCM_TAG_SIZE = 16;
  static final int GCM_NONCE_SIZE = 12;
  static final byte[] EMPTY = new byte[0];

  /** Thread-safe; the platform default (NativePRNG / getrandom on Linux) never blocks after boot. */
  private static final SecureRandom RANDOM = new SecureRandom();

  private CryptoSupport() {}

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  static void randomBytes(byte[] into) {
    RANDOM.nextBytes(into);
  }

  /**
   * This thread's AES-GCM cipher, for callers that {@code init} it before every message (all of
   * {@link Gcm} does). Reusing it skips the provider lookup and, for the same key, the AES key
   * expansion ({@code Cipher.getInstance} + a new key schedule per blob were a visible share of a
   * backup's CPU, and their code kept the JIT compiler busy). A new nonce per encryption is
   * required anyway; the JDK refuses a reused key and nonce pair.
   */
  static Cipher threadGcm() {
    return THREAD_GCM.get();
  }

  private static final ThreadLocal<Cipher> THREAD_GCM = ThreadLocal.withInitial(CryptoSupport::newGcm);

  static Cipher newGcm() {
    try {
      return Cipher.getInstance(AES_GCM);
    } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
      throw DwException.internal("this JVM offers no " + AES_GCM + " cipher", e);
    }
  }

  /** A fresh HMAC-SHA256 initialised with {@code key} (any length). */
  static Mac newHmac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(HMAC_SHA256);
      mac.init(new SecretKeySpec(key, HMAC_SHA256));
      return mac;
    } catch (NoSuchAlgorithmException e) {
      throw DwException.internal("this JVM offers no " + HMAC_SHA256, e);
    } catch (InvalidKeyException e) {
      throw DwException.internal("the JVM rejected an HMAC-SHA256 key of " + key.length + " bytes", e);
    }
  }

  /** An unexpected JDK failure (never an authentication failure) as INTERNAL. */
  static DwException internal(String doing, GeneralSecurityException e) {
    return DwException.of(ErrorCode.INTERNAL, doing + " failed unexpectedly (" + e.getClass().getSimpleName() + ")", e);
  }

  static void requireNonNull(Object o, String what) {
    if (o == null) {
      throw DwException.invalidArgument(what + " must not be null");
    }
  }
}
