package io.datawarehouse.storage;

import io.datawarehouse.sdk.DwException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Delivers an object's full content and checks it against the stored length and SHA-256 when the
 * end is reached: a mismatch is a {@link DwException} INTEGRITY naming the object and the store,
 * thrown from {@code read} instead of the end-of-stream. Not thread-safe.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final StreamDigest sha = new StreamDigest();
  private final String what;
  private final long expectedSize;
  private final String expectedSha256;
  private boolean verified;

  /**
   * @param what names the object in errors ("object 'a/b' in store 'default'")
   * @param expectedSize the stored length
   * @param expectedSha256 the stored digest, lower-case hex
   */
  public VerifyingInputStream(InputStream in, String what, long expectedSize, String expectedSha256) {
    super(in);
    this.what = what;
    this.expectedSize = expectedSize;
    this.expectedSha256 = expectedSha256;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b < 0) {
      verify();
    } else {
      sha.update((byte) b);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int n = in.read(b, off, len);
    if (n < 0) {
      verify();
    } else {
      sha.update(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    return HashingInputStream.skipByReading(this, n);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void verify() {
    if (verified) {
      return;
    }
    verified = true;
    if (sha.count() != expectedSize) {
      throw DwException.integrity(what + " is corrupt: read " + sha.count() + " bytes but " + expectedSize + " were stored");
    }
    String actual = PutOptions.hex(sha.digest());
    if (!actual.equals(expectedSha256)) {
      throw DwException.integrity(what + " is corrupt: actual SHA-256=" + actual + " vs stored " + expectedSha256);
    }
  }
}
