package io.datawarehouse.sdk.crypto;

import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertCode;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.config.Secret;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** AeadKey, KeyId and Keyring: ids, imports and exports, destruction, lookup. */
class KeysTest {
  @Property(tries = 100)
  void keyId_toStringAndBytes_roundTrip(@ForAll long value) {
    KeyId id = new KeyId(value);
    assertThat(id.toString()).hasSize(16);
    assertThat(KeyId.parse(id.toString())).isEqualTo(id);
    assertThat(KeyId.read(id.toBytes(), 0)).isEqualTo(id);
  }

  @Test
  void keyId_parseOfNonHex_isInvalidArgument() {
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> KeyId.parse("0123"));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> KeyId.parse("0123456789abcdeg"));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> KeyId.parse(null));
  }

  @Test
  void aeadKey_idIsDerivedFromTheBytes() {
    byte[] bytes = randomBytes(1, 32);
    AeadKey a = AeadKey.fromBytes(bytes);
    assertThat(AeadKey.fromBytes(bytes).id()).isEqualTo(a.id());
    assertThat(AeadKey.fromBase64(a.toBase64()).id()).isEqualTo(a.id());
    assertThat(AeadKey.fromBytes(randomBytes(2, 32)).id()).isNotEqualTo(a.id());
    assertThat(AeadKey.generate().id()).isNotEqualTo(AeadKey.generate().id());
    bytes[0] ^= 1;
    assertThat(a.id()).as("the key copied its bytes").isEqualTo(AeadKey.fromBytes(randomBytes(1, 32)).id());
  }

  @Test
  void aeadKey_wrongLengthOrBadBase64_isInvalidArgument() {
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> AeadKey.fromBytes(new byte[16]));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> AeadKey.fromBytes(null));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> AeadKey.fromBase64(Secret.of("not base64!")));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> AeadKey.fromBase64(Secret.of("AAAA")));
  }

  @Test
  void aeadKey_destroyed_refusesToWork() {
    AeadKey key = AeadKey.generate();
    key.destroy();
    assertThat(key.isDestroyed()).isTrue();
    assertThat(key.toString()).endsWith(", destroyed]");
    assertCode(ErrorCode.FAILED_PRECONDITION, key::toBase64);
    assertCode(ErrorCode.FAILED_PRECONDITION, () -> key.derive("x"));
  }

  @Test
  void keyring_primaryFirst_lookupById_duplicatesOnce() {
    AeadKey a = AeadKey.generate();
    AeadKey b = AeadKey.generate();
    Keyring ring = Keyring.of(a, b, a);
    assertThat(ring.primary()).isSameAs(a);
    assertThat(ring.ids()).containsExactly(a.id(), b.id());
    assertThat(ring.find(b.id())).containsSame(b);
    assertThat(ring.find(new KeyId(0))).isEmpty();
    assertThat(ring.toString()).isEqualTo("Keyring[primary=" + a.id() + ", keys=[" + a.id() + ", " + b.id() + "]]");
    ring.destroy();
    assertThat(ring.isDestroyed()).isTrue();
    assertThat(a.isDestroyed()).isTrue();
  }
}
