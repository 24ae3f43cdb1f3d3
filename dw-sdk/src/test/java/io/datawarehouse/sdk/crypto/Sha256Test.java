package io.datawarehouse.sdk.crypto;

import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertCode;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.hex;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FIPS 180-2 Appendix B examples, streaming equals one-shot, and Bouncy Castle agrees. */
class Sha256Test {
  @Test
  void hash_fipsExamples_givePublishedDigests() {
    assertThat(Sha256.hashHex("abc".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(Sha256.hashHex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    assertThat(Sha256.hashHex(new byte[0])).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Sha256 million = Sha256.create();
    byte[] a = "a".repeat(1000).getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 1000; i++) {
      million.update(a);
    }
    assertThat(million.hexDigest()).isEqualTo("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }

  @Property(tries = 200)
  void update_inRandomPieces_equalsOneShotAndBouncyCastle(@ForAll @Size(max = 5000) byte[] data, @ForAll long seed) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    Sha256 h = Sha256.create();
    int off = 0;
    while (off < data.length) {
      int n = Math.min(data.length - off, rnd.nextInt(700));
      switch (rnd.nextInt(3)) {
        case 0 -> h.update(data, off, n);
        case 1 -> h.update(ByteBuffer.wrap(data, off, n));
        default -> h.asOutputStream().write(data, off, n);
      }
      off += n;
    }
    byte[] digest = h.digest();
    assertThat(digest).isEqualTo(Sha256.hash(data)).isEqualTo(bc(data));
    assertThat(Sha256.hash(new ByteArrayInputStream(data))).isEqualTo(digest);
    assertThat(h.update(data).digest()).as("reusable after digest").isEqualTo(digest);
  }

  @Test
  void hash_file_equalsHashOfItsBytes(@TempDir Path dir) throws IOException {
    byte[] data = randomBytes(1, 200_000);
    Path file = dir.resolve("blob");
    Files.write(file, data);
    assertThat(Sha256.hash(file)).isEqualTo(Sha256.hash(data));
    assertCode(ErrorCode.NOT_FOUND, () -> Sha256.hash(dir.resolve("missing")));
  }

  @Test
  void hex_roundTripsAndRejectsNonHex() {
    byte[] d = Sha256.hash(new byte[] {1});
    assertThat(Sha256.fromHex(Sha256.toHex(d))).isEqualTo(d);
    assertThat(Sha256.fromHex("ABcd")).isEqualTo(hex("abcd"));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> Sha256.fromHex("abc"));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> Sha256.fromHex("zz"));
  }

  private static byte[] bc(byte[] data) {
    SHA256Digest d = new SHA256Digest();
    d.update(data, 0, data.length);
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return out;
  }
}
