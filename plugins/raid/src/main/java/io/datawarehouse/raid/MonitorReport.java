package io.datawarehouse.raid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.crypto.Hmac;
import io.datawarehouse.sdk.crypto.HmacKey;
import io.datawarehouse.sdk.crypto.Sha256;
import io.datawarehouse.sdk.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;

/**
 * A monitoring report of an array (state, per-disk counters and latency percentiles) signed with
 * HMAC-SHA256, so that a report passed around (mailed, archived, fed to another system) can be
 * checked for tampering with the same key.
 *
 * <p>File format (JSON): {@code {"format": "dw-raid-monitor/1", "algorithm": "HMAC-SHA256",
 * "keyId": ..., "report": {...}, "signature": hex}}. The MAC covers the compact JSON encoding of
 * {@code report}; any change to a value in it breaks the signature. {@code keyId} is the first 16
 * hex digits of SHA-256 of the key: it tells which key signed, and reveals nothing of it.
 *
 * <p>Signing and the constant-time check go through the SDK facade ({@link Hmac}, {@link
 * HmacKey}); the key id stays the format's own (not {@link HmacKey#id()}), so reports written
 * before keep verifying.
 *
 * <p>The key comes from a key file: its raw bytes, at least {@value #MIN_KEY} of them (for example
 * {@code head -c 32 /dev/urandom > raid.key}). Keys never appear in messages or logs.
 *
 * <p>Stateless and thread-safe.
 */
public final class MonitorReport {
  /** The smallest key accepted, in bytes. */
  public static final int MIN_KEY = 16;
  public static final String FORMAT = "dw-raid-monitor/1";
  private static final String ALGORITHM = "HMAC-SHA256";

  private MonitorReport() {}

  /** The result of {@link #verify}. */
  public record Verification(boolean valid, String reason, JsonNode report) {}

  /** Reads a key file; INVALID_ARGUMENT when it is missing or too short (without printing it). */
  public static byte[] readKey(Path keyFile) {
    byte[] key;
    try {
      key = Files.readAllBytes(keyFile);
    } catch (java.io.IOException e) {
      throw DwException.invalidArgument("cannot read the key file " + keyFile + ": " + e.getMessage());
    }
    if (key.length < MIN_KEY) {
      throw DwException.invalidArgument("the key file " + keyFile + " holds " + key.length + " bytes; a key needs at least " + MIN_KEY
          + " (make one with: head -c 32 /dev/urandom > " + keyFile.getFileName() + ")");
    }
    return key;
  }

  /** The report body for {@code status} at {@code now}. */
  public static ObjectNode body(ArrayStatus status, Instant now) {
    ObjectNode r = Json.object();
    r.put("generatedAt", now.toString());
    r.set("array", Json.mapper().valueToTree(status));
    return r;
  }

  /** A signed report, as the bytes of its file. */
  public static byte[] sign(ArrayStatus status, Instant now, byte[] key) {
    ObjectNode report = body(status, now);
    ObjectNode file = Json.object();
    file.put("format", FORMAT);
    file.put("algorithm", ALGORITHM);
    file.put("keyId", keyId(key));
    file.set("report", report);
    file.put("signature", HexFormat.of().formatHex(mac(key, report)));
    return (Json.toPrettyString(file) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Checks a report file's signature with {@code key}. Never throws for a bad report: says why. */
  public static Verification verify(byte[] reportFile, byte[] key) {
    JsonNode file;
    try {
      file = Json.tree(reportFile, "monitoring report");
    } catch (DwException e) {
      return new Verification(false, "not a monitoring report: " + e.getMessage(), null);
    }
    if (!FORMAT.equals(file.path("format").asText()) || !ALGORITHM.equals(file.path("algorithm").asText())) {
      return new Verification(false, "not a " + FORMAT + " report signed with " + ALGORITHM, null);
    }
    JsonNode report = file.get("report");
    String sig = file.path("signature").asText("");
    if (report == null || !report.isObject()) {
      return new Verification(false, "the report has no body", null);
    }
    if (!keyId(key).equals(file.path("keyId").asText())) {
      return new Verification(false, "signed with another key (keyId " + file.path("keyId").asText() + ", this key is " + keyId(key) + ")", report);
    }
    byte[] given;
    try {
      given = HexFormat.of().parseHex(sig);
    } catch (IllegalArgumentException e) {
      return new Verification(false, "the signature is not hex", report);
    }
    if (!withHmac(key, h -> h.isValid(Json.toBytes(report), given))) {
      return new Verification(false, "signature mismatch: the report was altered after it was signed", report);
    }
    return new Verification(true, "signature valid", report);
  }

  private static byte[] mac(byte[] key, JsonNode report) {
    return withHmac(key, h -> h.sign(Json.toBytes(report)));
  }

  /** Runs {@code action} with an {@link Hmac} of {@code key}, wiping the key object afterwards. */
  private static <T> T withHmac(byte[] key, java.util.function.Function<Hmac, T> action) {
    HmacKey k = HmacKey.fromBytes(key);
    try {
      return action.apply(Hmac.create(k));
    } finally {
      k.destroy();
    }
  }

  /** First 16 hex digits of SHA-256 of the key. */
  public static String keyId(byte[] key) {
    return Sha256.hashHex(key).substring(0, 16);
  }
}
