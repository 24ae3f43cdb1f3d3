package io.datawarehouse.server.cli.raid;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code dw raid} commands end to end, as a user types them. */
class RaidCommandTest {
  @TempDir Path tmp;

  static CliRun dw(Object... args) {
    String[] a = new String[args.length];
    for (int i = 0; i < args.length; i++) {
      a[i] = String.valueOf(args[i]);
    }
    return CliRun.dw(a);
  }

  static CliRun ok(Object... args) {
    CliRun r = dw(args);
    assertThat(r.exit()).as("dw %s\nout: %s\nerr: %s", java.util.Arrays.toString(args), r.out(), r.err()).isZero();
    return r;
  }

  @Test
  void fullLifecycle_rs() throws Exception {
    Path dir = tmp.resolve("arr");
    ok("raid", "create", dir, "--level", "rs", "--data", "4", "--parity", "2", "--disks", "6", "--disk-size", "1MiB", "--block-size", "4KiB", "--spares", "1");
    byte[] data = new byte[300_000];
    new SplittableRandom(1).nextBytes(data);
    Path in = tmp.resolve("in.bin");
    Files.write(in, data);
    ok("raid", "write", dir, "--offset", "4096", "--in", in);
    Path out = tmp.resolve("out.bin");
    ok("raid", "read", dir, "--offset", "4096", "--length", data.length, "--out", out);
    assertThat(Files.readAllBytes(out)).isEqualTo(data);

    CliRun failed = ok("raid", "fail", dir, "--disk", "1");
    assertThat(failed.out()).contains("hot spare").contains("rebuilt disk");
    ok("raid", "fail", dir, "--disk", "2");
    ok("raid", "replace", dir, "--disk", "2");
    CliRun rebuilt = ok("raid", "rebuild", dir);
    assertThat(rebuilt.out()).contains("rebuilt disk [2]").contains("optimal");
    JsonNode status = Json.tree(ok("raid", "status", dir, "--json").out().getBytes(StandardCharsets.UTF_8), "status");
    assertThat(status.path("state").asText()).isEqualTo("optimal");
    assertThat(ok("raid", "status", dir).out()).contains("DISK", "active");

    ok("raid", "snapshot", "create", dir, "before");
    Files.write(in, new byte[300_000]);
    ok("raid", "write", dir, "--offset", "4096", "--in", in);
    assertThat(ok("raid", "snapshot", "list", dir).out()).contains("before");
    assertThat(ok("raid", "dedup-stats", dir).out()).contains("dedup ratio");
    ok("raid", "snapshot", "restore", dir, "before");
    ok("raid", "read", dir, "--offset", "4096", "--length", data.length, "--out", out);
    assertThat(Files.readAllBytes(out)).isEqualTo(data);
    ok("raid", "snapshot", "delete", dir, "before");

    assertThat(ok("raid", "scrub", dir).out()).contains("0 parity mismatches");

    Path key = tmp.resolve("raid.key");
    Files.write(key, "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    Path report = tmp.resolve("report.json");
    ok("raid", "monitor", dir, "--key-file", key, "--out", report);
    assertThat(ok("raid", "monitor", dir, "--key-file", key, "--verify", report).out()).contains("signature valid");
    String text = Files.readString(report).replace("\"optimal\"", "\"degraded\"");
    Files.writeString(report, text);
    CliRun bad = dw("raid", "monitor", dir, "--key-file", key, "--verify", report);
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("signature mismatch");
  }

  @Test
  void badInput_isAClearErrorAndChangesNothing() {
    CliRun r = dw("raid", "create", tmp.resolve("x"), "--level", "7", "--disks", "3", "--disk-size", "1MiB");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("unknown RAID level '7'");
    assertThat(tmp.resolve("x").resolve("array.dat")).doesNotExist();
    CliRun size = dw("raid", "create", tmp.resolve("y"), "--level", "5", "--disks", "3", "--disk-size", "lots");
    assertThat(size.err()).contains("--disk-size").contains("is not a size");
    CliRun missing = dw("raid", "status", tmp.resolve("nothing"));
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("no array in").contains("NOT_FOUND");
  }
}
