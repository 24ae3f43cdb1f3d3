package io.datawarehouse.sdk.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
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

  /**
   * Bytes of one update() call when sealing a large input. The JDK's fast AES-GCM path (AES-NI/VAES,
   * carry-less multiply) runs only from C2-compiled code, and C2 compiles it after some thousands of
   * calls: with 64 KiB slices a fresh JVM sealed the benchmark's 1,085 MB at a cost of 2.5 s of CPU
   * before that (0.3 s once compiled); with 1 KiB slices 0.7 s (steady state the same 0.3 s).
   * Measured chunk by chunk in one JVM, slices of 1, 2, 4, 8, 16, 64 KiB: 0.72, 0.84, 1.19, 1.98,
   * 3.21, 2.46 s cold.
   */
  private static final int SLICE = 1024;
  /** Messages from this length on are decrypted through the buffer path (see {@link #open}). */
  private static final int BUFFER_PATH_FROM = 64 * 1024;

  /** Largest message decrypted through the thread's reused direct buffer; larger ones use a read-only heap buffer. */
  private static final int DIRECT_MAX = 16 << 20;
  private static final ThreadLocal<ByteBuffer[]> DIRECT_SOURCE = ThreadLocal.withInitial(() -> new ByteBuffer[1]);

  /** This thread's direct buffer for ciphertext, cleared, with room for {@code len} bytes. */
  private static ByteBuffer directSource(int len) {
    ByteBuffer[] holder = DIRECT_SOURCE.get();
    ByteBuffer b = holder[0];
    if (b == null || b.capacity() < len) {
      b = ByteBuffer.allocateDirect(Math.max(len, 1 << 20));
      holder[0] = b;
    }
    return b.clear();
  }

  /** Encrypts {@code in[inOff .. inOff + inLen)} into {@code out[outOff ..]} (ciphertext then tag); returns the bytes written. */
  static int seal(SecretKeySpec key, byte[] nonce, byte[] aad, byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    try {
      Cipher c = CryptoSupport.threadGcm(); // init resets whatever an earlier message left
      GCMParameterSpec spec = new GCMParameterSpec(CryptoSupport.GCM_TAG_BITS, nonce);
      try {
        c.init(Cipher.ENCRYPT_MODE, key, spec);
      } catch (InvalidAlgorithmParameterException sameKeyAndNonce) {
        // this cipher's previous encryption had the same key and nonce, which the JDK refuses on one
        // object: the caller chose both (a known-answer test sealing twice); a fresh cipher takes it,
        // as it did before ciphers were reused
        c = CryptoSupport.newGcm();
        c.init(Cipher.ENCRYPT_MODE, key, spec);
      }
      c.updateAAD(aad);
      // Large inputs go through update() in slices (see SLICE): one doFinal per 1 MiB blob made so
      // few calls into the JDK's fast path that C2 compiled it late and the rest ran at 0.05 GB/s
      // (same ciphertext and tag either way).
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
    if (len < CryptoSupport.GCM_TAG_SIZE) {
      throw new AEADBadTagException("the input is " + len + " bytes, shorter than the tag");
    }
    byte[] out = new byte[len - CryptoSupport.GCM_TAG_SIZE];
    open(key, nonce, aad, in, off, len, out, 0);
    return out;
  }

  /**
   * Decrypts {@code in[off .. off + len)} (ciphertext then tag) into {@code out[outOff ..]} and
   * returns the plaintext length ({@code len} minus the tag). On a tag mismatch nothing of the
   * plaintext is left in {@code out} (the JDK zeroes what it wrote).
   *
   * @throws AEADBadTagException when it does not authenticate
   */
  static int open(SecretKeySpec key, byte[] nonce, byte[] aad, byte[] in, int off, int len, byte[] out, int outOff)
      throws AEADBadTagException {
    try {
      Cipher c = CryptoSupport.threadGcm(); // init resets whatever an earlier message left
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(CryptoSupport.GCM_TAG_BITS, nonce));
      c.updateAAD(aad);
      if (len < BUFFER_PATH_FROM) {
        return c.doFinal(in, off, len, out, outOff);
      }
      // Large inputs are handed over as a buffer that is not array-backed: the JDK then runs its
      // fast AES-GCM path (AES-NI/VAES with carry-less multiply) in a loop of 512-byte calls inside
      // one doFinal, which C2 compiles within the first few blobs; a byte-array doFinal makes one
      // call per message into that path, and with a few thousand 1 MiB blobs C2 never compiles
      // it, so decryption ran the slow path at a few hundred MB/s (measured, standalone, 1000
      // blobs of 1 MiB in a fresh JVM: 13.1 s -> 3.6 s of CPU). The ciphertext is copied into a
      // direct buffer this thread reuses (a read-only heap buffer would make the JDK allocate and
      // copy back a temporary output buffer per message); it holds no plaintext. The tag is still
      // checked before anything is returned; on a mismatch the JDK zeroes the output and throws.
      int expected = len - CryptoSupport.GCM_TAG_SIZE;
      ByteBuffer src = len <= DIRECT_MAX ? directSource(len).put(in, off, len).flip() : ByteBuffer.wrap(in, off, len).asReadOnlyBuffer();
      int n = c.doFinal(src, ByteBuffer.wrap(out, outOff, expected));
      if (n != expected) {
        throw new GeneralSecurityException("decrypted " + n + " bytes vs " + expected + " expected");
      }
      return n;
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw CryptoSupport.internal("AES-GCM decryption", e);
    }
  }
}
