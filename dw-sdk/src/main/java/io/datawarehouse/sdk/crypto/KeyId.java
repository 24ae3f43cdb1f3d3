package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import java.util.HexFormat;

/**
 * The public name of a key: 8 bytes, shown as 16 hexadecimal digits. Ciphertexts carry the id of
 * the key that made them so the right key can be picked from a {@link Keyring} after rotation.
 *
 * <p>An id is derived from its key ({@code HMAC-SHA256(key, "DataWarehouse key id v1")}, first 8
 * bytes), so the same key always has the same id wherever it comes from (a key file, a raw key in
 * configuration), and the id reveals nothing usable about the key. It is not a secret: it may be
 * logged, shown and stored in clear.
 *
 * @param value the 8 bytes as a big-endian long
 */
public record KeyId(long value) {
  /** Bytes of an id on disk. */
  public static final int SIZE = 8;

  /** The id stored in {@code bytes[offset .. offset + 8)}. */
  public static KeyId read(byte[] bytes, int offset) {
    long v = 0;
    for (int i = 0; i < SIZE; i++) {
      v = (v << 8) | (bytes[offset + i] & 0xFF);
    }
    return new KeyId(v);
  }

  /** Parses the 16 hexadecimal digits printed by {@link #toString()}. */
  public static KeyId parse(String hex) {
    if (hex == null || hex.length() != 2 * SIZE || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw DwException.invalidArgument("a key id is 16 hexadecimal digits, not '" + hex + "'");
    }
    return new KeyId(HexFormat.fromHexDigitsToLong(hex));
  }

  /** Writes the 8 bytes into {@code bytes[offset ..]}. */
  public void write(byte[] bytes, int offset) {
    long v = value;
    for (int i = SIZE - 1; i >= 0; i--) {
      bytes[offset + i] = (byte) v;
      v >>>= 8;
    }
  }

  /** The 8 bytes. */
  public byte[] toBytes() {
    byte[] b = new byte[SIZE];
    write(b, 0);
    return b;
  }

  /** 16 lower-case hexadecimal digits. */
  @Override
  public String toString() {
    return HexFormat.of().toHexDigits(value);
  }

  /** The id of key material: the first 8 bytes of HMAC-SHA256(key, label). */
  static KeyId derive(byte[] key, String label) {
    byte[] mac = CryptoSupport.newHmac(key).doFinal(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return read(mac, 0);
  }
}
