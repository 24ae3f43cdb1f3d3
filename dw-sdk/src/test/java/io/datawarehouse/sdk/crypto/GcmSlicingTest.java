package io.datawarehouse.sdk.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link Gcm#seal} feeds large inputs to the cipher in slices and {@link Gcm#open} decrypts large
 * inputs through a read-only buffer: both must give the one-shot result, and reject what it rejects.
 */
class GcmSlicingTest {

  @Property(tries = 60)
  void slicedSeal_equalsOneShotGcm_andOpens(@ForAll @IntRange(min = 0, max = 300_000) int length,
      @ForAll @IntRange(min = 0, max = 7) int outOffset, @ForAll long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] key = new byte[32];
    byte[] nonce = new byte[12];
    byte[] aad = new byte[r.nextInt(40)];
    byte[] plain = new byte[length + 5];
    r.nextBytes(key);
    r.nextBytes(nonce);
    r.nextBytes(aad);
    r.nextBytes(plain);
    SecretKeySpec spec = new SecretKeySpec(key, "AES");
    byte[] out = new byte[outOffset + length + CryptoSupport.GCM_TAG_SIZE];

    int n = Gcm.seal(spec, nonce, aad, plain, 3, length, out, outOffset);

    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, spec, new GCMParameterSpec(128, nonce));
    c.updateAAD(aad);
    byte[] expected = c.doFinal(plain, 3, length);
    assertThat(n).isEqualTo(expected.length);
    assertThat(Arrays.copyOfRange(out, outOffset, outOffset + n)).isEqualTo(expected);
    assertThat(Gcm.open(spec, nonce, aad, out, outOffset, n)).isEqualTo(Arrays.copyOfRange(plain, 3, 3 + length));
  }

  @Property(tries = 20)
  void slicedSeal_anyFlippedBit_failsToOpen(@ForAll @IntRange(min = 65_536, max = 200_000) int length,
      @ForAll long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] key = new byte[32];
    byte[] nonce = new byte[12];
    byte[] plain = new byte[length];
    r.nextBytes(key);
    r.nextBytes(nonce);
    r.nextBytes(plain);
    SecretKeySpec spec = new SecretKeySpec(key, "AES");
    byte[] sealed = Gcm.seal(spec, nonce, new byte[0], plain);
    int bit = r.nextInt(sealed.length * 8);
    sealed[bit / 8] ^= (byte) (1 << (bit % 8));

    assertThatThrownBy(() -> Gcm.open(spec, nonce, new byte[0], sealed, 0, sealed.length))
        .isInstanceOf(AEADBadTagException.class);
  }

  @Property(tries = 40)
  void open_equalsOneShotGcm_onBothSidesOfTheBufferPathThreshold(
      @ForAll @IntRange(min = 65_536 - 40, max = 65_536 + 40) int nearThreshold,
      @ForAll @IntRange(min = 0, max = 1_200_000) int anyLength, @ForAll boolean near,
      @ForAll @IntRange(min = 0, max = 9) int inOffset, @ForAll long seed) throws Exception {
    int length = near ? nearThreshold : anyLength;
    SplittableRandom r = new SplittableRandom(seed);
    byte[] key = new byte[32];
    byte[] nonce = new byte[12];
    byte[] aad = new byte[r.nextInt(40)];
    byte[] plain = new byte[length];
    r.nextBytes(key);
    r.nextBytes(nonce);
    r.nextBytes(aad);
    r.nextBytes(plain);
    SecretKeySpec spec = new SecretKeySpec(key, "AES");
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, spec, new GCMParameterSpec(128, nonce));
    c.updateAAD(aad);
    byte[] sealed = c.doFinal(plain);
    byte[] in = new byte[inOffset + sealed.length + 3];
    System.arraycopy(sealed, 0, in, inOffset, sealed.length);

    assertThat(Gcm.open(spec, nonce, aad, in, inOffset, sealed.length)).isEqualTo(plain);
    byte[] otherAad = Arrays.copyOf(aad, aad.length + 1);
    assertThatThrownBy(() -> Gcm.open(spec, nonce, otherAad, in, inOffset, sealed.length))
        .isInstanceOf(AEADBadTagException.class);
    in[inOffset + sealed.length - 1] ^= 1;
    assertThatThrownBy(() -> Gcm.open(spec, nonce, aad, in, inOffset, sealed.length))
        .isInstanceOf(AEADBadTagException.class);
  }
}
