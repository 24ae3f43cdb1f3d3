package io.datawarehouse.dataprotection.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.crypto.Aead;
import io.datawarehouse.sdk.crypto.AeadKey;
import io.datawarehouse.sdk.crypto.Hmac;
import io.datawarehouse.sdk.crypto.HmacKey;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * {@link Sealer#openInto} with one set of reused buffers and {@link Sealer#sealReusing}: blobs of
 * growing and shrinking sizes, compressed or not, come back exactly; a damaged blob is INTEGRITY
 * and does not spoil the next.
 */
class SealerBuffersTest {

  @Property(tries = 15)
  void openInto_reusedBuffers_givesEachBlobExactly(@ForAll long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Sealer sealer = new Sealer(Aead.create(AeadKey.generate()), Hmac.create(HmacKey.generate()), 2);
    Sealer.Buffers buffers = new Sealer.Buffers();
    for (int i = 0; i < 12; i++) {
      byte[] plain = blob(r);
      BlobId id = sealer.id(plain, 0, plain.length);
      Sealer.SealedBlob first = sealer.seal(id, plain);
      if (r.nextBoolean()) {
        // the reusing form: same layout, the bytes copied out before the next call reuses its buffer
        Sealer.SealedBlob reused = sealer.sealReusing(id, plain);
        assertThat(reused.compressed()).isEqualTo(first.compressed());
        assertThat(reused.length()).isEqualTo(first.stored().length);
        first = new Sealer.SealedBlob(Arrays.copyOf(reused.stored(), reused.length()), reused.compressed());
      }
      Sealer.SealedBlob sealed = first;
      BlobLocation loc = new BlobLocation(id, "p", 8, sealed.stored().length, plain.length, sealed.compressed());
      // the stored bytes sit in a larger reused buffer, as a reader has them
      byte[] stored = buffers.stored(sealed.stored().length);
      System.arraycopy(sealed.stored(), 0, stored, 0, sealed.stored().length);

      byte[] out = sealer.openInto(loc, stored, sealed.stored().length, buffers);

      assertThat(Arrays.copyOf(out, plain.length)).isEqualTo(plain);
      assertThat(sealer.open(loc, sealed.stored())).isEqualTo(plain);
      if (r.nextInt(3) == 0) {
        byte[] bad = sealed.stored().clone();
        bad[r.nextInt(bad.length)] ^= 0x10;
        byte[] badStored = buffers.stored(bad.length);
        System.arraycopy(bad, 0, badStored, 0, bad.length);
        assertThatThrownBy(() -> sealer.openInto(loc, badStored, bad.length, buffers))
            .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY));
        // a wrong raw length is caught too, with the same buffers
        BlobLocation wrongLength = new BlobLocation(id, "p", 8, sealed.stored().length, plain.length + 1, sealed.compressed());
        byte[] again = buffers.stored(sealed.stored().length);
        System.arraycopy(sealed.stored(), 0, again, 0, sealed.stored().length);
        assertThatThrownBy(() -> sealer.openInto(wrongLength, again, sealed.stored().length, buffers))
            .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY));
      }
    }
  }

  /** Random or repetitive (compressible) content of 0 bytes to 300 KB. */
  private static byte[] blob(SplittableRandom r) {
    byte[] b = new byte[r.nextInt(300_000)];
    if (r.nextBoolean()) {
      r.nextBytes(b);
    } else {
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) ("abcab".charAt(i % 5) + (i / 4096));
      }
    }
    return b;
  }
}
