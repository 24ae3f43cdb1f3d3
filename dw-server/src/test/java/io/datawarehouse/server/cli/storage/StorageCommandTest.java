package io.datawarehouse.server.cli.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.server.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dw storage ...} end to end on a temporary data directory, with the real local store. */
class StorageCommandTest {
  @TempDir
  Path tmp;

  private CliRun dw(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--data-dir";
    all[1] = tmp.resolve("data").toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return CliRun.dw(all);
  }

  @Test
  void putStatLsGetRm_roundTrip() throws Exception {
    byte[] data = new byte[1_500_000]; // over one bus message: moves by path
    new SplittableRandom(7).nextBytes(data);
    Path in = tmp.resolve("in.bin");
    Files.write(in, data);
    CliRun put = dw("storage", "put", "reports/2026/q4.bin", in.toString());
    assertThat(put.exit()).as(put.err()).isZero();
    assertThat(put.out()).contains("\"size\" : 1500000", "\"sha256\"");

    CliRun stat = dw("storage", "stat", "reports/2026/q4.bin");
    assertThat(stat.exit()).as(stat.err()).isZero();
    assertThat(stat.out()).contains("reports/2026/q4.bin");

    CliRun ls = dw("storage", "ls", "reports/");
    assertThat(ls.out()).contains("reports/2026/");
    CliRun lsr = dw("storage", "ls", "--recursive", "reports/");
    assertThat(lsr.out()).contains("1500000", "reports/2026/q4.bin");

    Path out = tmp.resolve("out.bin");
    CliRun get = dw("storage", "get", "reports/2026/q4.bin", "--out", out.toString());
    assertThat(get.exit()).as(get.err()).isZero();
    assertThat(Files.readAllBytes(out)).isEqualTo(data);

    assertThat(dw("storage", "rm", "reports/2026/q4.bin").exit()).isZero();
    CliRun again = dw("storage", "rm", "reports/2026/q4.bin");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("no object");
  }

  @Test
  void putWorm_thenRmRefused() throws Exception {
    Path in = tmp.resolve("rec.txt");
    Files.writeString(in, "record");
    CliRun put = dw("storage", "put-worm", "ledger/1", in.toString(), "--retain-days", "7", "--legal-hold");
    assertThat(put.exit()).as(put.err()).isZero();
    assertThat(put.out()).contains("COMPLIANCE", "\"legalHold\" : true");
    CliRun rm = dw("storage", "rm", "ledger/1");
    assertThat(rm.exit()).isEqualTo(1);
    assertThat(rm.err()).contains("RETENTION_LOCKED");
  }

  @Test
  void badInput_clearErrors() {
    CliRun missing = dw("storage", "put", "k", tmp.resolve("nope").toString());
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("no such file");
    CliRun badKey = dw("storage", "stat", "../etc/passwd");
    assertThat(badKey.exit()).isEqualTo(1);
    assertThat(badKey.err()).contains("INVALID_ARGUMENT");
    CliRun noSource = dw("storage", "query", "crm", "SELECT 1");
    assertThat(noSource.exit()).isEqualTo(1);
    assertThat(noSource.err()).contains("no data source named 'crm'");
  }

  @Test
  void queryParams_typedLiterals() {
    assertThat(StorageCommand.Query.literal("42")).isEqualTo(42L);
    assertThat(StorageCommand.Query.literal("4.5")).isEqualTo(new java.math.BigDecimal("4.5"));
    assertThat(StorageCommand.Query.literal("true")).isEqualTo(true);
    assertThat(StorageCommand.Query.literal("null")).isNull();
    assertThat(StorageCommand.Query.literal("007")).isEqualTo("007");
    assertThat(StorageCommand.Query.literal("x' OR 1=1")).isEqualTo("x' OR 1=1");
  }
}
