package io.datawarehouse.sdk.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One-message AES-GCM with a 96-bit nonce and a 128-bit tag, as {@link Aead} and {@link KeyFile}
 * use it (the streaming form reuses its own {@code Cipher}, see {@link ChunkCipher}). Checked
 * against the published GCM test vectors in {@code AesGcmKnownAnswerTest}.
 */
final class Gcm {
  private Gcm() {}

  /** Encrypts {@code in[inOff .. inOff + inLen)} into {@code out[outOff ..]} (ciphertext then tag); returns the bytes written. */
  private static final int SLICE = 64 * 1024;

  static int seal(SecretKeySpec key, byte[] nonce, byte[] aad, byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    try {
      Cipher c = CryptoSupport.newGcm();
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(CryptoSupport.GCM_TAG_BITS, nonce));
      c.updateAAD(aad);
      // Large inputs go through update() in slices: the JDK's fast AES-GCM path (AES-NI, carry-less
      // multiply) runs only from C2-compiled code, and C2 compiles it after thousands of calls. One
      // doFinal per 1 MiB blob made so few calls that it ran the slow path at 0.05 GB/s for
      // seconds; 64 KiB slices reach 2.4 GB/s within about a second (same ciphertext and tag).
      int done = 0;
      int written = 0;
      while (inLen - done > SLICE) {
        written += c.update(in, inOff + done, SLICE, out, outOff + written);
        done += SLICE;
      }
      return written + c.doFinal(in, inOff + done, inLen - done, out, outOff + written);
    } catch (GeneralSecurityException e) {
      throw CryptoSupport.internal("AES-GCM encryption", e);
    }
  }

  /** Ciphertext and tag of {@code plaintext}. */
  static byte[] seal(SecretKeySpec key, byte[] nonce, byte[] aad, byte[] plaintext) {
    byte[] out = new byte[plaintext.length + CryptoSupport.GCM_TAG_SIZE];
    seal(key, nonce, aad, plaintext, 0, plaintext.length, out, 0);
    return out;
  }

  /**
   * The plaintext of {@code in[off .. off + len)} (ciphertext then tag).
   *
   * @throws AEADBadTagException when it does not authenticate; callers turn it into INTEGRITY with
   *     a message that says what failed
   */
  static byte[] open(SecretKeySpec key, byte[] nonce, byte[] aad, byte[] in, int off, int len) throws AEADBadTagException {
    try {
      Cipher c = CryptoSupport.newGcm();
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(CryptoSupport.GCM_TAG_BITS, nonce));
      c.updateAAD(aad);
      return c.doFinal(in, off, len);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw CryptoSupport.internal("AES-GCM decryption", e);
    }
  }
}
