package io.datawarehouse.sdk.crypto;

import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertCode;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertIntegrity;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 4231 test cases 1 to 7 for HMAC-SHA256, constant-time verification, Bouncy Castle agreement. */
class HmacTest {
  record Vector(String name, String key, String data, String mac) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static String ascii(String s) {
    return hex(s.getBytes(StandardCharsets.US_ASCII));
  }

  static Stream<Vector> rfc4231() {
    return Stream.of(
        new Vector("test case 1", "0b".repeat(20), ascii("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        new Vector("test case 2", ascii("Jefe"), ascii("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        new Vector("test case 3", "aa".repeat(20), "dd".repeat(50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        new Vector("test case 4", "0102030405060708090a0b0c0d0e0f10111213141516171819", "cd".repeat(50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        // test case 5 publishes only the first 128 bits of the tag
        new Vector("test case 5", "0c".repeat(20), ascii("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"),
        new Vector("test case 6", "aa".repeat(131), ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        new Vector("test case 7", "aa".repeat(131), ascii("This is a test using a larger than block-size key and a larger than block-size data."
            + " The key needs to be hashed before being used by the HMAC algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rfc4231")
  void sign_rfc4231Vector_givesPublishedTag(Vector v) {
    Hmac hmac = Hmac.create(HmacKey.fromBytes(hex(v.key)));
    byte[] tag = hmac.sign(hex(v.data));
    assertThat(hex(Arrays.copyOf(tag, v.mac.length() / 2))).isEqualTo(v.mac);
    if (v.mac.length() == 64) {
      hmac.verify(hex(v.data), hex(v.mac));
    }
  }

  @Property(tries = 200)
  void sign_randomInputs_matchesBouncyCastle(@ForAll @Size(min = 1, max = 200) byte[] key, @ForAll @Size(max = 3000) byte[] data) throws IOException {
    HMac bc = new HMac(new SHA256Digest());
    bc.init(new KeyParameter(key));
    bc.update(data, 0, data.length);
    byte[] expected = new byte[32];
    bc.doFinal(expected, 0);

    Hmac hmac = Hmac.create(HmacKey.fromBytes(key));
    assertThat(hmac.sign(data)).isEqualTo(expected);
    assertThat(hmac.sign(ByteBuffer.wrap(data))).isEqualTo(expected);
    assertThat(hmac.sign(new ByteArrayInputStream(data))).isEqualTo(expected);
    assertThat(hmac.isValid(data, expected)).isTrue();
  }

  @Test
  void verify_alteredDataOrTagOrOtherKey_isIntegrityError() {
    HmacKey key = HmacKey.generate();
    Hmac hmac = Hmac.create(key);
    byte[] data = "ledger entry 17".getBytes(StandardCharsets.UTF_8);
    byte[] tag = hmac.sign(data);
    for (int i = 0; i < tag.length; i++) {
      byte[] bad = tag.clone();
      bad[i] ^= 0x10;
      assertThat(hmac.isValid(data, bad)).isFalse();
      assertIntegrity(() -> hmac.verify(data, bad));
    }
    byte[] otherData = data.clone();
    otherData[0] ^= 1;
    assertIntegrity(() -> hmac.verify(otherData, tag));
    assertIntegrity(() -> Hmac.create(HmacKey.generate()).verify(data, tag));
    var e = assertIntegrity(() -> hmac.verify(data, Arrays.copyOf(tag, 16)));
    assertThat(e.getMessage()).contains("tag of 16 bytes").contains(key.id().toString());
  }

  @Test
  void derive_fromAeadKey_isDeterministicPerPurpose() {
    AeadKey root = AeadKey.generate();
    byte[] data = {1, 2, 3};
    byte[] a = Hmac.create(HmacKey.derive(root, "dedup ids")).sign(data);
    assertThat(Hmac.create(HmacKey.derive(root, "dedup ids")).sign(data)).isEqualTo(a);
    assertThat(Hmac.create(HmacKey.derive(root, "other")).sign(data)).isNotEqualTo(a);
    assertThat(root.derive("x").id()).isEqualTo(root.derive("x").id()).isNotEqualTo(root.derive("y").id()).isNotEqualTo(root.id());
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> HmacKey.derive(root, ""));
  }

  @Test
  void constantTimeEquals_comparesContent() {
    assertThat(Hmac.constantTimeEquals(new byte[] {1, 2}, new byte[] {1, 2})).isTrue();
    assertThat(Hmac.constantTimeEquals(new byte[] {1, 2}, new byte[] {1, 3})).isFalse();
    assertThat(Hmac.constantTimeEquals(new byte[] {1, 2}, new byte[] {1})).isFalse();
  }

  @Test
  void fromBytes_empty_isInvalidArgument() {
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> HmacKey.fromBytes(new byte[0]));
  }
}
