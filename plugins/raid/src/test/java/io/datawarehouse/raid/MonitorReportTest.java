package io.datawarehouse.raid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorReportTest {
  @TempDir
  Path tmp;

  static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  byte[] signedReport() {
    try (RaidArray a = RaidArray.create(tmp.resolve("a"), ArraySpec.of(RaidLevel.RAID5, 3, ArrayConfigs.DISK, ArrayConfigs.BLOCK))) {
      RaidArrayTest.randomWrites(a, new SplittableRandom(31), 5);
      return MonitorReport.sign(a.status(), Instant.parse("2026-11-27T12:00:00Z"), KEY);
    }
  }

  @Test
  void sign_signatureIsHmacSha256OfTheCompactReport_keyIdIsSha256Prefix_asInFormat1() throws Exception {
    byte[] report = signedReport();
    com.fasterxml.jackson.databind.JsonNode file = io.datawarehouse.sdk.json.Json.tree(report, "report");
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(KEY, "HmacSHA256"));
    byte[] expected = mac.doFinal(io.datawarehouse.sdk.json.Json.toBytes(file.get("report")));
    assertThat(file.path("signature").asText()).isEqualTo(java.util.HexFormat.of().formatHex(expected));
    String keyId = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(KEY)).substring(0, 16);
    assertThat(file.path("keyId").asText()).isEqualTo(keyId);
  }

  @Test
  void verify_untouchedReport_isValid_andCarriesCounters() {
    byte[] report = signedReport();
    MonitorReport.Verification v = MonitorReport.verify(report, KEY);
    assertThat(v.valid()).as(v.reason()).isTrue();
    assertThat(v.report().path("array").path("members").get(0).path("counters").path("writes").asLong()).isPositive();
    assertThat(new String(report, StandardCharsets.UTF_8)).doesNotContain(new String(KEY, StandardCharsets.US_ASCII));
  }

  @Test
  void verify_anyAlteredByteOfTheReportBody_failsTheSignature() {
    byte[] report = signedReport();
    String text = new String(report, StandardCharsets.UTF_8);
    int start = text.indexOf("\"report\"");
    int end = text.indexOf("\"signature\"");
    SplittableRandom rnd = new SplittableRandom(32);
    int checked = 0;
    for (int i = 0; i < 200; i++) {
      int at = start + 10 + rnd.nextInt(end - start - 10);
      char c = text.charAt(at);
      if (!Character.isLetterOrDigit(c)) {
        continue;
      }
      char other = Character.isDigit(c) ? (char) ('0' + (c - '0' + 1) % 10) : (c == 'a' ? 'b' : 'a');
      String altered = text.substring(0, at) + other + text.substring(at + 1);
      MonitorReport.Verification v = MonitorReport.verify(altered.getBytes(StandardCharsets.UTF_8), KEY);
      assertThat(v.valid()).as("altered char %d '%c'->'%c'", at, c, other).isFalse();
      checked++;
    }
    assertThat(checked).isGreaterThan(50);
  }

  @Test
  void verify_wrongKey_orGarbage_isRejectedWithAReason() {
    byte[] report = signedReport();
    byte[] other = "another-key-of-enough-length!!!!".getBytes(StandardCharsets.US_ASCII);
    assertThat(MonitorReport.verify(report, other).reason()).contains("another key");
    assertThat(MonitorReport.verify("nonsense".getBytes(StandardCharsets.UTF_8), KEY).valid()).isFalse();
  }

  @Test
  void readKey_tooShort_isRejectedWithoutPrintingIt() throws Exception {
    Path k = tmp.resolve("short.key");
    Files.writeString(k, "tiny-secret");
    assertThatThrownBy(() -> MonitorReport.readKey(k)).isInstanceOf(DwException.class)
        .hasMessageContaining("at least 16").satisfies(e -> assertThat(e.getMessage()).doesNotContain("tiny-secret"));
  }

  @Test
  void counters_persistAcrossReopen() {
    Path dir = tmp.resolve("b");
    long writes;
    try (RaidArray a = RaidArray.create(dir, ArraySpec.of(RaidLevel.RAID1, 2, ArrayConfigs.DISK, ArrayConfigs.BLOCK))) {
      a.write(0, new byte[100_000]);
      writes = (Long) a.status().members().get(0).counters().get("writes");
    }
    try (RaidArray a = RaidArray.open(dir)) {
      assertThat((Long) a.status().members().get(0).counters().get("writes")).isGreaterThanOrEqualTo(writes);
    }
  }
}
