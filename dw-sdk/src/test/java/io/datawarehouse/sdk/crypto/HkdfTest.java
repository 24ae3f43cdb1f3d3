package io.datawarehouse.sdk.crypto;

import static io.datawarehouse.sdk.crypto.CryptoAssertions.hex;
import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.junit.jupiter.api.Test;

/** RFC 5869 Appendix A test cases 1 to 3 (SHA-256), and Bouncy Castle agreement. */
class HkdfTest {
  @Test
  void derive_rfc5869Case1_givesPublishedPrkAndOkm() {
    byte[] ikm = hex("0b".repeat(22));
    byte[] salt = hex("000102030405060708090a0b0c");
    byte[] info = hex("f0f1f2f3f4f5f6f7f8f9");
    assertThat(hex(Hkdf.extract(salt, ikm))).isEqualTo("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    assertThat(hex(Hkdf.derive(salt, ikm, info, 42)))
        .isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  }

  @Test
  void derive_rfc5869Case2_longInputs_givesPublishedOkm() {
    byte[] ikm = new byte[80];
    byte[] salt = new byte[80];
    byte[] info = new byte[80];
    for (int i = 0; i < 80; i++) {
      ikm[i] = (byte) i;
      salt[i] = (byte) (0x60 + i);
      info[i] = (byte) (0xb0 + i);
    }
    assertThat(hex(Hkdf.derive(salt, ikm, info, 82))).isEqualTo("b11e398dc80327a1c8e7f78c596a4934"
        + "4f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
  }

  @Test
  void derive_rfc5869Case3_emptySaltAndInfo_givesPublishedOkm() {
    assertThat(hex(Hkdf.derive(new byte[0], hex("0b".repeat(22)), new byte[0], 42)))
        .isEqualTo("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  }

  @Property(tries = 200)
  void derive_randomInputs_matchesBouncyCastle(@ForAll @Size(max = 100) byte[] ikm, @ForAll @Size(max = 64) byte[] salt,
      @ForAll @Size(max = 100) byte[] info, @ForAll @IntRange(min = 0, max = 300) int length) {
    HKDFBytesGenerator bc = new HKDFBytesGenerator(new SHA256Digest());
    bc.init(new HKDFParameters(ikm, salt, info));
    byte[] expected = new byte[length];
    bc.generateBytes(expected, 0, length);
    assertThat(Hkdf.derive(salt, ikm, info, length)).isEqualTo(expected);
  }
}
