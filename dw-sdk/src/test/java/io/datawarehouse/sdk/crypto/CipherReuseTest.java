package io.datawarehouse.sdk.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The per-thread AES-GCM cipher and per-thread HMAC objects give exactly what fresh JDK objects
 * give, whatever the previous message on the thread was: other keys, a failed tag, a sign that
 * stopped midway.
 */
class CipherReuseTest {

  @Property(tries = 20)
  void threadGcm_matchesAFreshCipher_acrossKeysAndFailedOpens(@ForAll long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    SecretKeySpec[] keys = {key(r), key(r), key(r)};
    for (int i = 0; i < 30; i++) {
      SecretKeySpec k = keys[r.nextInt(keys.length)];
      byte[] nonce = bytes(r, 12);
      byte[] aad = bytes(r, r.nextInt(40));
      byte[] plain = bytes(r, r.nextInt(3) == 0 ? 70_000 + r.nextInt(70_000) : r.nextInt(2000));
      byte[] sealed = Gcm.seal(k, nonce, aad, plain);
      Cipher fresh = Cipher.getInstance("AES/GCM/NoPadding");
      fresh.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, nonce));
      fresh.updateAAD(aad);
      assertThat(sealed).isEqualTo(fresh.doFinal(plain));
      if (r.nextInt(4) == 0) {
        byte[] bad = sealed.clone();
        bad[r.nextInt(bad.length)] ^= 1;
        assertThatThrownBy(() -> Gcm.open(k, nonce, aad, bad, 0, bad.length)).isInstanceOf(AEADBadTagException.class);
      }
      assertThat(Gcm.open(k, nonce, aad, sealed, 0, sealed.length)).isEqualTo(plain);
    }
  }

  @Property(tries = 20)
  void hmac_afterASignThatStoppedMidway_stillGivesTheTag(@ForAll long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    HmacKey key = HmacKey.generate();
    Hmac hmac = Hmac.create(key);
    byte[] data = bytes(r, r.nextInt(5000));
    InputStream failing = new InputStream() {
      private int left = 100;

      @Override
      public int read() throws IOException {
        if (left-- <= 0) {
          throw new IOException("disk went away");
        }
        return 7;
      }
    };
    assertThatThrownBy(() -> hmac.sign(failing)).isInstanceOf(IOException.class);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.bytes(), "HmacSHA256"));
    byte[] expected = mac.doFinal(data);
    assertThat(hmac.sign(data)).isEqualTo(expected);
    assertThat(hmac.sign(data)).isEqualTo(expected);
    assertThat(Hmac.create(HmacKey.generate()).sign(data)).isNotEqualTo(expected); // another key on the same thread
    assertThat(hmac.sign(Arrays.copyOf(data, data.length))).isEqualTo(expected);
  }

  private static SecretKeySpec key(SplittableRandom r) {
    return new SecretKeySpec(bytes(r, 32), "AES");
  }

  private static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }
}
