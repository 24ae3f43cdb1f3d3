package io.datawarehouse.storage;

import io.datawarehouse.sdk.DwException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Options of a put. Validated when built, so every store refuses the same bad input the same way.
 *
 * <p>User metadata names are {@code [a-z][a-z0-9_]{0,63}} (the subset S3 and Azure both accept)
 * and may not start with {@code dw} (reserved for the stores' own bookkeeping); values are
 * printable ASCII; names and values together at most {@value #MAX_METADATA_BYTES} bytes.
 *
 * @param contentType media type, default {@code application/octet-stream}
 * @param metadata user metadata
 * @param expectedSha256 when not null, the put fails with INTEGRITY and stores nothing unless the
 *     content hashes to it (lower-case hex)
 * @param retention a WORM retention to apply atomically with the write, or null
 * @param legalHold whether to place a legal hold with the write
 */
public record PutOptions(
    String contentType,
    Map<String, String> metadata,
    String expectedSha256,
    Retention retention,
    boolean legalHold) {
  /** Default media type. */
  public static final String OCTET_STREAM = "application/octet-stream";
  /** Limit of user metadata, names plus values, in bytes. */
  public static final int MAX_METADATA_BYTES = 2048;

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");

  /** No options: octet-stream, no metadata, no WORM. */
  public static final PutOptions DEFAULT = new PutOptions(null, null, null, null, false);

  public PutOptions {
    contentType = contentType == null || contentType.isBlank() ? OCTET_STREAM : contentType.trim();
    if (contentType.length() > 255 || !contentType.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
      throw DwException.invalidArgument("content type must be at most 255 printable ASCII characters");
    }
    metadata = metadata == null ? Map.of() : checkMetadata(metadata);
    if (expectedSha256 != null && !SHA.matcher(expectedSha256).matches()) {
      throw DwException.invalidArgument("expected SHA-256 must be 64 lower-case hex digits, was '" + expectedSha256 + "'");
    }
  }

  /**
   * Checks the content's digest against {@link #expectedSha256()}.
   *
   * @throws DwException INTEGRITY when they differ (the store must then store nothing)
   */
  public void verifySha256(String key, String actualSha256) {
    if (expectedSha256 != null && !expectedSha256.equals(actualSha256)) {
      throw DwException.integrity("content of '" + key + "' does not match: actual SHA-256=" + actualSha256
          + " vs expected " + expectedSha256 + "; nothing was stored");
    }
  }

  /** Whether this put asks for WORM protection. */
  public boolean isWorm() {
    return retention != null || legalHold;
  }

  public PutOptions withContentType(String type) {
    return new PutOptions(type, metadata, expectedSha256, retention, legalHold);
  }

  public PutOptions withMetadata(Map<String, String> m) {
    return new PutOptions(contentType, m, expectedSha256, retention, legalHold);
  }

  public PutOptions withExpectedSha256(String hex) {
    return new PutOptions(contentType, metadata, hex, retention, legalHold);
  }

  public PutOptions withRetention(Retention r) {
    return new PutOptions(contentType, metadata, expectedSha256, r, legalHold);
  }

  public PutOptions withLegalHold(boolean hold) {
    return new PutOptions(contentType, metadata, expectedSha256, retention, hold);
  }

  private static Map<String, String> checkMetadata(Map<String, String> m) {
    int bytes = 0;
    Map<String, String> copy = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : m.entrySet()) {
      String n = e.getKey();
      String v = e.getValue();
      if (n == null || !NAME.matcher(n).matches()) {
        throw DwException.invalidArgument("metadata name '" + n + "' is not allowed: names are a lower-case letter "
            + "then up to 63 lower-case letters, digits or '_'");
      }
      if (n.startsWith("dw")) {
        throw DwException.invalidArgument("metadata name '" + n + "' is reserved: names starting with 'dw' belong to the stores");
      }
      if (v == null || !v.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
        throw DwException.invalidArgument("metadata value of '" + n + "' must be printable ASCII");
      }
      bytes += n.length() + v.length();
      copy.put(n, v);
    }
    if (bytes > MAX_METADATA_BYTES) {
      throw DwException.invalidArgument("user metadata is " + bytes + " bytes; at most " + MAX_METADATA_BYTES + " are allowed");
    }
    return Map.copyOf(copy);
  }

  /** Lower-case hex of a digest. */
  public static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }
}
