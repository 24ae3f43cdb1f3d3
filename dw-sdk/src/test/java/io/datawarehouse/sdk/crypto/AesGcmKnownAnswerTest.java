package io.datawarehouse.sdk.crypto;

import static io.datawarehouse.sdk.crypto.CryptoAssertions.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import javax.crypto.AEADBadTagException;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The AES-256 test cases with 96-bit IVs (13 to 16) of McGrew and Viega, "The Galois/Counter Mode
 * of Operation (GCM)", Appendix B (the vectors NIST publishes with SP 800-38D), through {@link Gcm},
 * the primitive under {@link Aead} and {@link KeyFile}; and through Bouncy Castle, to show that the
 * reference the other tests cross-check against is sound. (Test cases 17 and 18 use 64- and
 * 480-bit IVs, which this facade never uses.)
 */
class AesGcmKnownAnswerTest {
  record Vector(String name, String key, String iv, String plaintext, String aad, String ciphertext, String tag) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final String K15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
  private static final String P15 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
  private static final String C15 = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

  static Stream<Vector> vectors() {
    return Stream.of(
        new Vector("test case 13", "00".repeat(32), "00".repeat(12), "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"),
        new Vector("test case 14", "00".repeat(32), "00".repeat(12), "00".repeat(16), "",
            "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"),
        new Vector("test case 15", K15, "cafebabefacedbaddecaf888", P15, "", C15, "b094dac5d93471bdec1a502270e3cc6c"),
        new Vector("test case 16", K15, "cafebabefacedbaddecaf888", P15.substring(0, 120), "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            C15.substring(0, 120), "76fc6ece0f4e1768cddf8853bb2d551b"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void seal_publishedVector_givesPublishedCiphertextAndTag(Vector v) {
    byte[] out = Gcm.seal(new SecretKeySpec(hex(v.key), "AES"), hex(v.iv), hex(v.aad), hex(v.plaintext));
    assertThat(hex(out)).isEqualTo(v.ciphertext + v.tag);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void open_publishedVector_givesPublishedPlaintext(Vector v) throws Exception {
    byte[] in = hex(v.ciphertext + v.tag);
    byte[] out = Gcm.open(new SecretKeySpec(hex(v.key), "AES"), hex(v.iv), hex(v.aad), in, 0, in.length);
    assertThat(hex(out)).isEqualTo(v.plaintext);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void open_publishedVectorWithFlippedTagBit_isRejected(Vector v) {
    byte[] in = hex(v.ciphertext + v.tag);
    in[in.length - 1] ^= 1;
    assertThatThrownBy(() -> Gcm.open(new SecretKeySpec(hex(v.key), "AES"), hex(v.iv), hex(v.aad), in, 0, in.length))
        .isInstanceOf(AEADBadTagException.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void bouncyCastle_publishedVector_agrees(Vector v) throws Exception {
    assertThat(hex(bcSeal(hex(v.key), hex(v.iv), hex(v.aad), hex(v.plaintext)))).isEqualTo(v.ciphertext + v.tag);
  }

  /** AES-GCM with a 128-bit tag by Bouncy Castle: the second implementation of the cross-checks. */
  static byte[] bcSeal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) throws Exception {
    GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
    gcm.init(true, new AEADParameters(new KeyParameter(key), 128, nonce, aad));
    byte[] out = new byte[gcm.getOutputSize(plaintext.length)];
    int n = gcm.processBytes(plaintext, 0, plaintext.length, out, 0);
    gcm.doFinal(out, n);
    return out;
  }

  /** Bouncy Castle AES-GCM decryption; throws when the tag does not match. */
  static byte[] bcOpen(byte[] key, byte[] nonce, byte[] aad, byte[] in, int off, int len) throws Exception {
    GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
    gcm.init(false, new AEADParameters(new KeyParameter(key), 128, nonce, aad));
    byte[] out = new byte[gcm.getOutputSize(len)];
    int n = gcm.processBytes(in, off, len, out, 0);
    gcm.doFinal(out, n);
    return out;
  }
}
