package io.datawarehouse.sdk.crypto;

import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertCode;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.config.Secret;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NotEmpty;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.bouncycastle.crypto.PBEParametersGenerator;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

class PassphraseKdfTest {
  /** RFC 7914 section 11 publishes PBKDF2-HMAC-SHA256 vectors (below our iteration floor, so through the raw function). */
  @Test
  void pbkdf2_rfc7914Vectors_givePublishedKeys() {
    assertThat(hex(PassphraseKdf.pbkdf2("passwd".toCharArray(), "salt".getBytes(StandardCharsets.US_ASCII), 1, 64)))
        .isEqualTo("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    assertThat(hex(PassphraseKdf.pbkdf2("Password".toCharArray(), "NaCl".getBytes(StandardCharsets.US_ASCII), 80000, 64)))
        .isEqualTo("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
            + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
  }

  @Property(tries = 40)
  void pbkdf2_randomInputs_matchesBouncyCastle(@ForAll @NotEmpty @StringLength(max = 40) @CharRange(from = ' ', to = '\u3000') String password,
      @ForAll @Size(min = 16, max = 64) byte[] salt, @ForAll @IntRange(min = 1, max = 3000) int iterations) {
    PKCS5S2ParametersGenerator bc = new PKCS5S2ParametersGenerator(new SHA256Digest());
    bc.init(PBEParametersGenerator.PKCS5PasswordToUTF8Bytes(password.toCharArray()), salt, iterations);
    byte[] expected = ((KeyParameter) bc.generateDerivedParameters(256)).getKey();
    assertThat(PassphraseKdf.pbkdf2(password.toCharArray(), salt, iterations, 32)).isEqualTo(expected);
  }

  @Test
  void pbkdf2_atTheRealIterationCount_matchesTheJdk_forShortLongAndNonAsciiPassphrases() throws Exception {
    byte[] salt = new byte[32];
    new java.security.SecureRandom().nextBytes(salt);
    for (String pw : java.util.List.of("bench", "x".repeat(64), "y".repeat(65) + "\u00e9\u4e2d", "p\u00e4ss w\u00f6rd \ud83d\ude00")) {
      javax.crypto.spec.PBEKeySpec spec = new javax.crypto.spec.PBEKeySpec(pw.toCharArray(), salt, PassphraseKdf.MIN_ITERATIONS, 256);
      byte[] jdk = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
      assertThat(PassphraseKdf.pbkdf2(pw.toCharArray(), salt, PassphraseKdf.MIN_ITERATIONS, 32)).isEqualTo(jdk);
    }
    // lengths that are not a multiple of the 32-byte block
    javax.crypto.spec.PBEKeySpec spec = new javax.crypto.spec.PBEKeySpec("pw".toCharArray(), salt, 1000, 45 * 8);
    byte[] jdk = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    assertThat(PassphraseKdf.pbkdf2("pw".toCharArray(), salt, 1000, 45)).isEqualTo(jdk);
  }

  @Test
  void deriveKey_samePassphraseAndParams_givesSameKey_andDifferentSaltAnother() {
    PassphraseKdf.Params params = PassphraseKdf.Params.generate();
    AeadKey a = PassphraseKdf.deriveKey(Secret.of("correct horse battery staple"), params);
    AeadKey b = PassphraseKdf.deriveKey(Secret.of("correct horse battery staple"), PassphraseKdf.Params.parse(params.encode()));
    assertThat(a.id()).isEqualTo(b.id());
    AeadKey c = PassphraseKdf.deriveKey(Secret.of("correct horse battery staple"), PassphraseKdf.Params.generate());
    assertThat(c.id()).isNotEqualTo(a.id());
  }

  @Test
  void deriveKey_composedAndDecomposedAccents_giveTheSameKey() {
    PassphraseKdf.Params params = PassphraseKdf.Params.generate();
    AeadKey composed = PassphraseKdf.deriveKey(Secret.of("caf\u00e9 cr\u00e8me"), params);
    AeadKey decomposed = PassphraseKdf.deriveKey(Secret.of("cafe\u0301 cre\u0300me"), params);
    assertThat(decomposed.id()).isEqualTo(composed.id());
  }

  @Test
  void params_defaultsAndEncoding() {
    PassphraseKdf.Params p = PassphraseKdf.Params.generate();
    assertThat(p.iterations()).isEqualTo(600_000);
    assertThat(p.salt()).hasSize(32);
    assertThat(p.encode()).startsWith("pbkdf2-sha256$600000$");
    assertThat(PassphraseKdf.Params.parse(p.encode())).isEqualTo(p);
    assertThat(PassphraseKdf.Params.generate(1_000_000).iterations()).isEqualTo(1_000_000);
  }

  @Test
  void params_belowFloorOrMalformed_areRejected() {
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> PassphraseKdf.Params.generate(599_999));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> new PassphraseKdf.Params(600_000, new byte[8]));
    assertCode(ErrorCode.INTEGRITY, () -> PassphraseKdf.Params.parse("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA"));
    assertCode(ErrorCode.INTEGRITY, () -> PassphraseKdf.Params.parse("scrypt$1$AAAA"));
    assertCode(ErrorCode.INTEGRITY, () -> PassphraseKdf.Params.parse("pbkdf2-sha256$many$AAAA"));
    assertCode(ErrorCode.INTEGRITY, () -> PassphraseKdf.Params.parse(null));
  }

  @Test
  void deriveKey_emptyPassphrase_isInvalidArgument() {
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> PassphraseKdf.deriveKey(Secret.of(""), PassphraseKdf.Params.generate()));
  }
}
