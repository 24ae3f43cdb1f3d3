package io.datawarehouse.storage.local;

import io.datawarehouse.sdk.DwException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Maps object keys to file names and back. Each '/'-separated segment becomes a directory (all
 * but the last) or a file name; bytes other than {@code [A-Za-z0-9_.-]} are percent-encoded, as is
 * a leading '.', so no encoded name contains '@' or starts with '.'. Files then carry a suffix
 * that starts with '@' ({@code @o} the object, {@code @w} its WORM state): a directory and an
 * object can never collide, and temporary files ({@code .dwtmp-...}) never look like either.
 */
final class KeyPaths {
  static final String OBJECT_SUFFIX = "@o";
  static final String WORM_SUFFIX = "@w";
  /** Longest encoded segment, leaving room for suffixes and temp prefixes in a 255-byte name. */
  static final int MAX_ENCODED_SEGMENT = 200;

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private KeyPaths() {}

  /** The encoded segments of a (validated) key. */
  static String[] encode(String key) {
    String[] segs = key.split("/", -1);
    String[] out = new String[segs.length];
    for (int i = 0; i < segs.length; i++) {
      out[i] = encodeSegment(segs[i]);
      if (out[i].length() > MAX_ENCODED_SEGMENT) {
        throw DwException.invalidArgument("invalid object key for the local store: segment '" + segs[i]
            + "' encodes to " + out[i].length() + " characters of file name; at most " + MAX_ENCODED_SEGMENT
            + " fit (shorten it or use fewer non-ASCII characters)");
      }
    }
    return out;
  }

  static String encodeSegment(String segment) {
    byte[] b = segment.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(b.length + 8);
    for (int i = 0; i < b.length; i++) {
      int c = b[i] & 0xFF;
      boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-' || (c == '.' && i > 0);
      if (plain) {
        sb.append((char) c);
      } else {
        sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return sb.toString();
  }

  /** The segment an encoded name stands for, or null when the name is not one of ours. */
  static String decodeSegment(String name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '%') {
        if (i + 2 >= name.length()) {
          return null;
        }
        int hi = Character.digit(name.charAt(i + 1), 16);
        int lo = Character.digit(name.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c < 0x80 && c != '@') {
        out.write(c);
      } else {
        return null;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
