package io.datawarehouse.sdk.crypto;

import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertCode;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertIntegrity;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class AeadTest {
  private static final byte[] NO_AD = new byte[0];

  @Property(tries = 200)
  void decrypt_ofEncrypt_givesPlaintext(@ForAll @Size(max = 5000) byte[] plaintext, @ForAll @Size(max = 64) byte[] ad) {
    Aead aead = Aead.create(AeadKey.generate());
    byte[] ct = aead.encrypt(plaintext, ad);
    assertThat(ct).hasSize(plaintext.length + Aead.OVERHEAD);
    assertThat(aead.decrypt(ct, ad)).isEqualTo(plaintext);
  }

  /** Decrypting into a caller's buffer, at offsets, small and large (both GCM paths), gives the plaintext. */
  @Property(tries = 40)
  void decryptInto_atOffsets_givesPlaintext(@ForAll @IntRange(min = 0, max = 300_000) int length,
      @ForAll @IntRange(min = 0, max = 9) int inOff, @ForAll @IntRange(min = 0, max = 9) int outOff,
      @ForAll @Size(max = 64) byte[] ad) {
    Aead aead = Aead.create(AeadKey.generate());
    byte[] plaintext = randomBytes(length * 31L + 7, length);
    byte[] ct = aead.encrypt(plaintext, ad);
    byte[] in = new byte[inOff + ct.length + 5];
    System.arraycopy(ct, 0, in, inOff, ct.length);
    byte[] out = new byte[outOff + Aead.plaintextLength(ct.length) + 3];

    int n = aead.decrypt(in, inOff, ct.length, ad, out, outOff);

    assertThat(n).isEqualTo(length);
    assertThat(Arrays.copyOfRange(out, outOff, outOff + n)).isEqualTo(plaintext);
  }

  /** Encrypting into a caller's buffer gives a message decrypt() opens, of the documented size. */
  @Property(tries = 30)
  void encryptInto_atOffsets_opensWithDecrypt(@ForAll @IntRange(min = 0, max = 300_000) int length,
      @ForAll @IntRange(min = 0, max = 9) int inOff, @ForAll @IntRange(min = 0, max = 9) int outOff,
      @ForAll @Size(max = 64) byte[] ad) {
    Aead aead = Aead.create(AeadKey.generate());
    byte[] plaintext = randomBytes(length * 17L + 3, length);
    byte[] in = new byte[inOff + length + 2];
    System.arraycopy(plaintext, 0, in, inOff, length);
    byte[] out = new byte[outOff + length + Aead.OVERHEAD + 4];

    int n = aead.encrypt(in, inOff, length, ad, out, outOff);

    assertThat(n).isEqualTo(length + Aead.OVERHEAD);
    assertThat(aead.decrypt(Arrays.copyOfRange(out, outOff, outOff + n), ad)).isEqualTo(plaintext);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> aead.encrypt(in, inOff, length, ad, new byte[length + Aead.OVERHEAD - 1], 0));
  }

  /** A message that does not authenticate leaves no plaintext in the caller's buffer. */
  @Property(tries = 30)
  void decryptInto_flippedByte_isIntegrityError_andLeavesNoPlaintext(@ForAll @IntRange(min = 1, max = 200_000) int length,
      @ForAll long where) {
    Aead aead = Aead.create(AeadKey.generate());
    byte[] plaintext = randomBytes(length * 31L + 7, length);
    byte[] ct = aead.encrypt(plaintext, NO_AD);
    ct[(int) Math.floorMod(where, (long) ct.length)] ^= 1;
    byte[] out = new byte[length];

    assertIntegrity(() -> aead.decrypt(ct, 0, ct.length, NO_AD, out, 0));
    assertThat(out).containsOnly((byte) 0);
  }

  @Test
  void decryptInto_tooSmallBuffer_isInvalidArgument() {
    Aead aead = Aead.create(AeadKey.generate());
    byte[] ct = aead.encrypt(new byte[100], NO_AD);
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> aead.decrypt(ct, 0, ct.length, NO_AD, new byte[99], 0));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> aead.decrypt(ct, 0, ct.length, NO_AD, new byte[100], 1));
    assertIntegrity(() -> aead.decrypt(ct, 0, Aead.OVERHEAD - 1, NO_AD, new byte[100], 0));
  }

  /** Our message format is plain AES-256-GCM: Bouncy Castle agrees on random inputs, both ways. */
  @Property(tries = 200)
  void encrypt_randomInputs_matchesBouncyCastle(@ForAll @Size(max = 3000) byte[] plaintext, @ForAll @Size(max = 64) byte[] ad,
      @ForAll long keySeed) throws Exception {
    AeadKey key = AeadKey.fromBytes(randomBytes(keySeed, 32));
    byte[] ct = Aead.create(key).encrypt(plaintext, ad);
    byte[] header = Arrays.copyOf(ct, Aead.HEADER_SIZE);
    byte[] nonce = Arrays.copyOfRange(ct, Aead.HEADER_SIZE, Aead.HEADER_SIZE + 12);
    byte[] bcAad = concat(header, ad);
    byte[] bc = AesGcmKnownAnswerTest.bcSeal(key.bytes(), nonce, bcAad, plaintext);
    assertThat(Arrays.copyOfRange(ct, Aead.HEADER_SIZE + 12, ct.length)).isEqualTo(bc);

    // and a message sealed by Bouncy Castle in our format decrypts with the facade
    byte[] otherNonce = randomBytes(keySeed ^ 0x5DEECE66DL, 12);
    byte[] made = concat(concat(header, otherNonce), AesGcmKnownAnswerTest.bcSeal(key.bytes(), otherNonce, bcAad, plaintext));
    assertThat(Aead.create(key).decrypt(made, ad)).isEqualTo(plaintext);
  }

  @Property(tries = 30)
  void decrypt_anySingleByteFlipped_isIntegrityError(@ForAll @Size(max = 100) byte[] plaintext, @ForAll @IntRange(min = 1, max = 255) int mask) {
    Aead aead = Aead.create(AeadKey.generate());
    byte[] ad = "record 42".getBytes(StandardCharsets.UTF_8);
    byte[] ct = aead.encrypt(plaintext, ad);
    for (int i = 0; i < ct.length; i++) {
      byte[] bad = ct.clone();
      bad[i] ^= (byte) mask;
      assertIntegrity(() -> aead.decrypt(bad, ad));
    }
  }

  @Property(tries = 30)
  void decrypt_truncatedOrExtended_isIntegrityError(@ForAll @Size(max = 100) byte[] plaintext, @ForAll @Size(min = 1, max = 20) byte[] extra) {
    Aead aead = Aead.create(AeadKey.generate());
    byte[] ct = aead.encrypt(plaintext, NO_AD);
    for (int len = 0; len < ct.length; len++) {
      byte[] cut = Arrays.copyOf(ct, len);
      assertIntegrity(() -> aead.decrypt(cut, NO_AD));
    }
    assertIntegrity(() -> aead.decrypt(concat(ct, extra), NO_AD));
  }

  @Test
  void decrypt_otherAssociatedData_isIntegrityError() {
    Aead aead = Aead.create(AeadKey.generate());
    byte[] ct = aead.encrypt(new byte[] {1, 2, 3}, new byte[] {7});
    assertIntegrity(() -> aead.decrypt(ct, new byte[] {8}));
    assertIntegrity(() -> aead.decrypt(ct, NO_AD));
  }

  @Test
  void decrypt_underAnotherKey_isIntegrityErrorNamingTheKey() {
    AeadKey a = AeadKey.generate();
    byte[] ct = Aead.create(a).encrypt(new byte[] {1, 2, 3}, NO_AD);
    var e = assertIntegrity(() -> Aead.create(AeadKey.generate()).decrypt(ct, NO_AD));
    assertThat(e.getMessage()).contains(a.id().toString());
  }

  @Test
  void decrypt_afterRotation_readsOldMessagesAndWritesUnderTheNewKey() {
    AeadKey old = AeadKey.generate();
    byte[] before = Aead.create(old).encrypt("old".getBytes(StandardCharsets.UTF_8), NO_AD);
    AeadKey fresh = AeadKey.generate();
    Aead rotated = Aead.create(Keyring.of(fresh, old));
    byte[] after = rotated.encrypt("new".getBytes(StandardCharsets.UTF_8), NO_AD);

    assertThat(Aead.keyIdOf(before)).isEqualTo(old.id());
    assertThat(Aead.keyIdOf(after)).isEqualTo(fresh.id());
    assertThat(rotated.decrypt(before, NO_AD)).asString(StandardCharsets.UTF_8).isEqualTo("old");
    assertThat(rotated.decrypt(after, NO_AD)).asString(StandardCharsets.UTF_8).isEqualTo("new");
  }

  @Test
  void encrypt_samePlaintextTwice_usesFreshNonces() {
    Aead aead = Aead.create(AeadKey.generate());
    byte[] a = aead.encrypt(new byte[16], NO_AD);
    byte[] b = aead.encrypt(new byte[16], NO_AD);
    assertThat(Arrays.copyOfRange(a, Aead.HEADER_SIZE, Aead.HEADER_SIZE + 12))
        .isNotEqualTo(Arrays.copyOfRange(b, Aead.HEADER_SIZE, Aead.HEADER_SIZE + 12));
  }

  @Test
  void header_isVersionThenKeyId() {
    AeadKey key = AeadKey.generate();
    byte[] ct = Aead.create(key).encrypt(new byte[0], NO_AD);
    assertThat(ct).hasSize(Aead.OVERHEAD);
    assertThat(ct[0]).isEqualTo((byte) Aead.VERSION);
    assertThat(KeyId.read(ct, 1)).isEqualTo(key.id());
  }

  @Test
  void encrypt_withDestroyedKey_isFailedPrecondition() {
    AeadKey key = AeadKey.generate();
    Aead aead = Aead.create(key);
    key.destroy();
    assertCode(ErrorCode.FAILED_PRECONDITION, () -> aead.encrypt(new byte[1], NO_AD));
  }

  @Test
  void encrypt_nullAssociatedData_isInvalidArgument() {
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> Aead.create(AeadKey.generate()).encrypt(new byte[1], null));
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
