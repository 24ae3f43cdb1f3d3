package io.datawarehouse.sdk.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The streaming format of {@link StreamingAead}, implemented a second time from its class comment
 * on Bouncy Castle (HKDF and AES-GCM), sharing no code with the facade. Simple and slow on
 * purpose: whole arrays in, whole arrays out.
 */
final class ReferenceStream {
  private static final int HEADER = 56;
  private static final int TAG = 16;

  private ReferenceStream() {}

  static byte[] encrypt(byte[] dataKey, int chunkSize, byte[] plain, byte[] ad, byte[] saltAndPrefix) throws Exception {
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    h.put(new byte[] {'D', 'W', 'S', 'A'}).put((byte) 1).putInt(chunkSize).put(AeadKey.fromBytes(dataKey).id().toBytes()).put(saltAndPrefix);
    byte[] header = h.array();
    byte[] streamKey = streamKey(dataKey, header, ad);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header);
    int chunks = Math.max(1, (plain.length + chunkSize - 1) / chunkSize);
    for (int i = 0; i < chunks; i++) {
      byte[] part = Arrays.copyOfRange(plain, i * chunkSize, Math.min(plain.length, (i + 1) * chunkSize));
      out.writeBytes(AesGcmKnownAnswerTest.bcSeal(streamKey, nonce(header, i, i == chunks - 1), new byte[0], part));
    }
    return out.toByteArray();
  }

  static byte[] decrypt(byte[] dataKey, byte[] ct, byte[] ad) throws Exception {
    byte[] header = Arrays.copyOf(ct, HEADER);
    int chunkSize = ByteBuffer.wrap(header, 5, 4).getInt();
    byte[] streamKey = streamKey(dataKey, header, ad);
    int cc = chunkSize + TAG;
    int body = ct.length - HEADER;
    int chunks = (body + cc - 1) / cc;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < chunks; i++) {
      int off = HEADER + i * cc;
      int len = Math.min(cc, ct.length - off);
      out.writeBytes(AesGcmKnownAnswerTest.bcOpen(streamKey, nonce(header, i, i == chunks - 1), new byte[0], ct, off, len));
    }
    return out.toByteArray();
  }

  private static byte[] streamKey(byte[] dataKey, byte[] header, byte[] ad) {
    byte[] info = AeadTest.concat(Arrays.copyOf(header, 17), ad);
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(dataKey, Arrays.copyOfRange(header, 17, 49), info));
    byte[] key = new byte[32];
    hkdf.generateBytes(key, 0, 32);
    return key;
  }

  private static byte[] nonce(byte[] header, int index, boolean last) {
    return ByteBuffer.allocate(12).put(header, 49, 7).putInt(index).put((byte) (last ? 1 : 0)).array();
  }
}
