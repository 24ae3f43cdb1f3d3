package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import java.util.Arrays;
import javax.crypto.Mac;

/**
 * HKDF with HMAC-SHA256 (RFC 5869): extract a pseudo-random key from input key material and a
 * salt, then expand it into as many bytes as needed, bound to an {@code info} string.
 *
 * <p>Built from the JDK's HMAC-SHA256 because dw-sdk targets Java 21, whose {@code javax.crypto}
 * has no HKDF ({@code javax.crypto.KDF} arrived in Java 25). Checked against the RFC 5869
 * vectors and Bouncy Castle in {@code HkdfTest}.
 */
final class Hkdf {
  static final int HASH_LEN = 32;

  private Hkdf() {}

  /** HKDF-Extract: PRK = HMAC(salt, ikm); an empty salt means HashLen zero bytes. */
  static byte[] extract(byte[] salt, byte[] ikm) {
    byte[] s = salt == null || salt.length == 0 ? new byte[HASH_LEN] : salt;
    return CryptoSupport.newHmac(s).doFinal(ikm);
  }

  /** HKDF-Expand: the first {@code length} bytes of T(1) | T(2) | ... */
  static byte[] expand(byte[] prk, byte[] info, int length) {
    if (length < 0 || length > 255 * HASH_LEN) {
      throw DwException.invalidArgument("HKDF can produce 0.." + 255 * HASH_LEN + " bytes, not " + length);
    }
    Mac mac = CryptoSupport.newHmac(prk);
    byte[] out = new byte[length];
    byte[] t = CryptoSupport.EMPTY;
    int done = 0;
    for (int i = 1; done < length; i++) {
      mac.update(t);
      mac.update(info);
      mac.update((byte) i);
      byte[] next = mac.doFinal();
      Arrays.fill(t, (byte) 0);
      t = next;
      int n = Math.min(HASH_LEN, length - done);
      System.arraycopy(t, 0, out, done, n);
      done += n;
    }
    Arrays.fill(t, (byte) 0);
    return out;
  }

  /** Extract then expand. */
  static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
    byte[] prk = extract(salt, ikm);
    try {
      return expand(prk, info, length);
    } finally {
      Arrays.fill(prk, (byte) 0);
    }
  }
}
