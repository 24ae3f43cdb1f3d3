package io.datawarehouse.sdk.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Secret;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key material and passphrases never show up in toString or in the message of any error the
 * facade raises, including errors about the secrets themselves.
 */
class SecretDisciplineTest {
  private static final String PASSPHRASE = "never-print-me-7f3a";

  @Test
  void toStringsAndErrorMessages_containNoKeyMaterialOrPassphrase(@TempDir Path dir) throws Exception {
    AeadKey key = AeadKey.generate();
    HmacKey macKey = HmacKey.generate();
    List<String> printed = new ArrayList<>();
    printed.add(key.toString());
    printed.add(macKey.toString());
    printed.add(key.toBase64().toString());
    printed.add(macKey.toBase64().toString());
    printed.add(Keyring.of(key).toString());
    printed.add(Aead.create(key).toString());
    printed.add(StreamingAead.create(key).toString());
    printed.add(Hmac.create(macKey).toString());

    Path path = dir.resolve("keys.dwk");
    try (KeyFile kf = KeyFile.create(path, "main", Secret.of(PASSPHRASE))) {
      kf.addKey("raw", key);
      printed.add(kf.toString());
      printed.add(kf.slots().toString());
    }
    printed.add(message(() -> KeyFile.unlock(path, Secret.of(PASSPHRASE + "x"))));
    printed.add(message(() -> KeyFile.unlock(path, AeadKey.generate())));
    printed.add(message(() -> AeadKey.fromBase64(Secret.of(Base64.getEncoder().encodeToString(key.bytes()) + "!"))));
    printed.add(message(() -> AeadKey.fromBytes(new byte[31])));
    printed.add(message(() -> Aead.create(AeadKey.generate()).decrypt(Aead.create(key).encrypt(new byte[3], new byte[0]), new byte[0])));
    byte[] stream = StreamingAeadTest.encrypt(StreamingAead.create(Keyring.of(key), 64), new byte[100], new byte[0], new java.util.SplittableRandom(1));
    stream[stream.length - 1] ^= 1;
    printed.add(message(() -> StreamingAead.create(key).decryptingStream(new ByteArrayInputStream(stream), new byte[0]).readAllBytes()));
    printed.add(message(() -> Hmac.create(macKey).verify(new byte[1], new byte[32])));
    AeadKey destroyed = AeadKey.generate();
    String destroyedHex = CryptoAssertions.hex(destroyed.bytes());
    destroyed.destroy();
    printed.add(destroyed.toString());
    printed.add(message(() -> Aead.create(destroyed).encrypt(new byte[1], new byte[0])));

    List<String> secrets = List.of(PASSPHRASE, CryptoAssertions.hex(key.bytes()), Base64.getEncoder().encodeToString(key.bytes()),
        CryptoAssertions.hex(macKey.bytes()), Base64.getEncoder().encodeToString(macKey.bytes()), destroyedHex,
        Base64.getEncoder().encodeToString(key.bytes()).substring(0, 12));
    for (String p : printed) {
      assertThat(p).isNotNull();
      for (String s : secrets) {
        assertThat(p.toLowerCase()).doesNotContain(s.toLowerCase());
      }
    }
    assertThat(key.toString()).isEqualTo("AeadKey[id=" + key.id() + "]");
    assertThat(key.toBase64().toString()).isEqualTo(Secret.MASK);
    assertThat(new String(Base64.getDecoder().decode(key.toBase64().reveal()), StandardCharsets.ISO_8859_1))
        .isEqualTo(new String(key.bytes(), StandardCharsets.ISO_8859_1));
  }

  private interface Call {
    void run() throws Exception;
  }

  private static String message(Call call) {
    try {
      call.run();
    } catch (DwException e) {
      StringBuilder all = new StringBuilder(e.toString());
      for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
        all.append(" / ").append(t);
      }
      return all.toString();
    } catch (Exception e) {
      throw new AssertionError("expected a DwException, got " + e, e);
    }
    throw new AssertionError("expected a DwException, nothing was thrown");
  }
}
