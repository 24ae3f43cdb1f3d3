package io.datawarehouse.server.cli.tamperproof;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dw worm} end to end on a data directory, as a user runs it. */
class WormCommandTest {
  @TempDir Path tmp;
  Path data;
  Path config;

  CliRun dw(String... args) {
    List<String> all = new ArrayList<>(List.of("--data-dir", data.toString(), "--config", config.toString()));
    all.addAll(List.of(args));
    return CliRun.dw(all.toArray(String[]::new));
  }

  @BeforeEach
  void setUp() throws Exception {
    data = tmp.resolve("data");
    config = tmp.resolve("dw.yaml");
    Files.writeString(config, """
        tamperproof:
          grants:
            counsel:
              permissions: [legal-hold]
        """);
  }

  @Test
  void putGetHoldExtendDeleteVerifyProofScan_onTheLocalDataDirectory() throws Exception {
    byte[] content = "invoice 2026-0042, total 1 234,00 EUR".getBytes(StandardCharsets.UTF_8);
    Path file = tmp.resolve("invoice.txt");
    Files.write(file, content);

    CliRun put = dw("worm", "put", "--namespace", "invoices", "--retain-days", "30", "--mode", "compliance", file.toString());
    assertThat(put.exit()).as(put.err()).isZero();
    String[] idAndSha = put.out().trim().split("\\s+");
    String id = idAndSha[0];
    assertThat(idAndSha[1]).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));

    Path copy = tmp.resolve("copy.txt");
    CliRun get = dw("worm", "get", id, "--out", copy.toString());
    assertThat(get.exit()).as(get.err()).isZero();
    assertThat(Files.readAllBytes(copy)).isEqualTo(content);

    assertThat(dw("worm", "hold", id, "--on", "--reason", "audit 7").exit()).isZero();
    CliRun off = dw("worm", "hold", id, "--off", "--actor", "intern");
    assertThat(off.exit()).isEqualTo(1);
    assertThat(off.err()).contains("PERMISSION_DENIED").contains("legal-hold");
    assertThat(dw("worm", "hold", id, "--off", "--actor", "counsel").exit()).isZero();
    assertThat(dw("worm", "hold", id).exit()).as("--on or --off is required").isEqualTo(2);

    CliRun extend = dw("worm", "extend", id, "--retain-days", "90");
    assertThat(extend.exit()).as(extend.err()).isZero();
    assertThat(extend.out()).contains("compliance");
    CliRun shorten = dw("worm", "extend", id, "--retain-days", "1");
    assertThat(shorten.exit()).isEqualTo(1);
    assertThat(shorten.err()).contains("RETENTION_LOCKED");
    CliRun delete = dw("worm", "delete", id);
    assertThat(delete.exit()).isEqualTo(1);
    assertThat(delete.err()).contains("RETENTION_LOCKED").contains("retained until");

    CliRun verify = dw("worm", "verify");
    assertThat(verify.exit()).as(verify.out() + verify.err()).isZero();
    assertThat(verify.out()).startsWith("OK: 1 record(s)");
    assertThat(dw("worm", "verify", id).exit()).isZero();

    Path proof = tmp.resolve("proof.json");
    assertThat(dw("worm", "proof", id, "--out", proof.toString()).exit()).isZero();
    Path pem = data.resolve("tamperproof").resolve("ledger").resolve("signing.pub");
    Path keptKey = tmp.resolve("kept.pem");
    Files.copy(pem, keptKey);
    CliRun proven = dw("worm", "verify", "--proof", proof.toString(), "--public-key", keptKey.toString(), "--content", file.toString());
    assertThat(proven.exit()).as(proven.err()).isZero();
    assertThat(proven.out()).contains("proven").contains("content matches");
    CliRun wrongContent = dw("worm", "verify", "--proof", proof.toString(), "--public-key", keptKey.toString(), "--content", config.toString());
    assertThat(wrongContent.exit()).isEqualTo(1);
    assertThat(wrongContent.err()).contains("does NOT verify");

    CliRun scan = dw("worm", "scan", "--json");
    assertThat(scan.exit()).as(scan.err()).isZero();
    JsonNode report = Json.tree(scan.out().getBytes(StandardCharsets.UTF_8), "scan output");
    assertThat(report.path("ok").asBoolean()).isTrue();
  }

  @Test
  void verify_afterAByteOfARecordChanged_exitsOneNamingTheRecord() throws Exception {
    Path file = tmp.resolve("a.bin");
    Files.write(file, new byte[] {1, 2, 3, 4, 5});
    String id = dw("worm", "put", "--namespace", "ns", "--retain-days", "1", file.toString()).out().trim().split("\\s+")[0];
    Path rec;
    try (var s = Files.walk(data.resolve("tamperproof").resolve("records"))) {
      rec = s.filter(p -> p.getFileName().toString().equals(id + ".rec")).findFirst().orElseThrow();
    }
    Files.setPosixFilePermissions(rec, PosixFilePermissions.fromString("rw-r--r--"));
    byte[] b = Files.readAllBytes(rec);
    b[b.length - 1] ^= 1;
    Files.write(rec, b);
    CliRun verify = dw("worm", "verify");
    assertThat(verify.exit()).isEqualTo(1);
    assertThat(verify.out()).contains("FAILED").contains("DATA_MISMATCH record " + id);
    CliRun scan = dw("worm", "scan");
    assertThat(scan.exit()).isEqualTo(1);
    assertThat(scan.out()).contains("DATA_MISMATCH record " + id);
    CliRun get = dw("worm", "get", id, "--out", tmp.resolve("out.bin").toString());
    assertThat(get.exit()).isEqualTo(1);
    assertThat(get.err()).contains("INTEGRITY").contains(id);
    assertThat(tmp.resolve("out.bin")).doesNotExist();
  }

  @Test
  void put_withoutRetentionAnywhere_isOneClearErrorLine() throws Exception {
    Path file = tmp.resolve("a.bin");
    Files.write(file, new byte[] {1});
    CliRun r = dw("worm", "put", "--namespace", "ns", file.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no retention").contains("INVALID_ARGUMENT");
    assertThat(r.err().lines().count()).isEqualTo(1);
  }
}
