package io.datawarehouse.storage;

import io.datawarehouse.sdk.DwException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * The rules every store applies to object keys, so that a key valid in one store is valid in all.
 *
 * <p>A key is 1 to {@value #MAX_KEY_BYTES} bytes of UTF-8; '/'-separated segments, none empty, none
 * {@code .} or {@code ..}; no leading '/', no backslash, no NUL or other control character, no
 * unpaired surrogate, no Unicode noncharacter (U+FFFE, U+FFFF, U+FDD0..U+FDEF, which the XML of S3
 * and Azure listings cannot carry). A bad key is INVALID_ARGUMENT saying which rule it breaks.
 */
public final class ObjectKeys {
  /** The longest key in UTF-8 bytes (S3's limit). */
  public static final int MAX_KEY_BYTES = 1024;

  /** Keys in the byte order of their UTF-8 encoding: the order of every listing. */
  public static final Comparator<String> ORDER = ObjectKeys::compare;

  private ObjectKeys() {}

  /**
   * {@code key} when valid.
   *
   * @throws DwException INVALID_ARGUMENT naming the rule the key breaks
   */
  public static String validate(String key) {
    if (key == null || key.isEmpty()) {
      throw bad(key, "it is empty");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == 0) {
        throw bad(key, "it contains NUL at index " + i);
      }
      if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
        throw bad(key, "it contains control character U+" + String.format("%04X", (int) c) + " at index " + i);
      }
      if (c == '\uFFFE' || c == '\uFFFF' || (c >= '\uFDD0' && c <= '\uFDEF')) {
        throw bad(key, "it contains the Unicode noncharacter U+" + String.format("%04X", (int) c) + " at index " + i
            + " (XML listings cannot carry it)");
      }
      if (c == '\\') {
        throw bad(key, "it contains a backslash at index " + i + " (use '/' to separate segments)");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= key.length() || !Character.isLowSurrogate(key.charAt(i + 1))) {
          throw bad(key, "it contains an unpaired surrogate at index " + i);
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        throw bad(key, "it contains an unpaired surrogate at index " + i);
      }
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_KEY_BYTES) {
      throw bad(key.substring(0, 40) + "...", "it is " + bytes + " bytes of UTF-8; at most " + MAX_KEY_BYTES + " are allowed");
    }
    if (key.charAt(0) == '/') {
      throw bad(key, "it starts with '/' (keys are relative)");
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()) {
        throw bad(key, "it has an empty segment (a trailing '/' or '//')");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw bad(key, "it has a '" + segment + "' segment");
      }
    }
    return key;
  }

  /** Compares two strings by their UTF-8 bytes (unsigned), without encoding them. */
  public static int compare(String a, String b) {
    int i = 0;
    int n = Math.min(a.length(), b.length());
    while (i < n) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(i);
      if (ca != cb) {
        return Integer.compare(ca, cb); // code point order == UTF-8 byte order
      }
      i += Character.charCount(ca);
    }
    return Integer.compare(a.length(), b.length());
  }

  private static DwException bad(String key, String why) {
    String shown = key == null ? "null" : key.replaceAll("\\p{Cntrl}", "?");
    return DwException.invalidArgument("invalid object key '" + shown + "': " + why);
  }
}
