package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.config.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Function;

/**
 * The bytes of a key, held by {@link AeadKey} and {@link HmacKey}: copied in, wiped on destroy,
 * never printed. Wiping is best effort: the JVM may have copied the array (garbage collection,
 * a {@code SecretKeySpec}, a cipher's key schedule), so destroy narrows the window of exposure
 * rather than closing it.
 */
final class KeyBytes {
  private final byte[] bytes;
  private final String kind;
  private volatile boolean destroyed;

  KeyBytes(byte[] bytes, String kind) {
    this.bytes = bytes.clone();
    this.kind = kind;
  }

  /** The live array (not a copy): callers must not modify or keep it. */
  byte[] get() {
    if (destroyed) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "this " + kind + " was destroyed and can no longer be used");
    }
    return bytes;
  }

  int length() {
    return bytes.length;
  }

  Secret toBase64() {
    return Secret.of(Base64.getEncoder().encodeToString(get()));
  }

  static byte[] fromBase64(Secret base64, String kind) {
    CryptoSupport.requireNonNull(base64, kind);
    char[] chars = base64.revealChars();
    try {
      byte[] ascii = new byte[chars.length];
      for (int i = 0; i < chars.length; i++) {
        ascii[i] = chars[i] < 128 ? (byte) chars[i] : (byte) '?';
      }
      try {
        return Base64.getDecoder().decode(new String(ascii, StandardCharsets.US_ASCII).strip());
      } catch (IllegalArgumentException e) {
        // the decoder's message quotes the offending character: do not forward it
        throw DwException.invalidArgument("the " + kind + " is not valid base64 (" + chars.length + " characters)");
      } finally {
        Arrays.fill(ascii, (byte) 0);
      }
    } finally {
      Arrays.fill(chars, '\0');
    }
  }

  /** {@code make(bytes)}, then wipes {@code bytes}: for key bytes that exist only to build a key. */
  static <T> T consume(byte[] bytes, Function<byte[], T> make) {
    try {
      return make.apply(bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  void destroy() {
    destroyed = true;
    Arrays.fill(bytes, (byte) 0);
  }

  boolean isDestroyed() {
    return destroyed;
  }
}
