package io.datawarehouse.server.cli.dataprotection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dw backup} end to end, as the benchmark script and a user run it. */
class BackupCommandTest {
  @TempDir Path tmp;
  Path repo;

  CliRun dw(String... args) {
    return CliRun.dw(args);
  }

  @BeforeEach
  void setUp() {
    repo = tmp.resolve("repo");
    Map<String, String> env = Map.of(BackupCommand.PASSPHRASE_ENV, "cli passphrase", BackupCommand.NEW_PASSPHRASE_ENV, "second one");
    BackupCommand.environment = env::get;
  }

  @AfterEach
  void tearDown() {
    BackupCommand.environment = System::getenv;
  }

  @Test
  void initCreateListRestoreValidateForgetPrune() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data.resolve("sub"));
    Files.writeString(data.resolve("a.txt"), "alpha");
    Files.write(data.resolve("sub/b.bin"), new byte[300_000]);
    assertThat(dw("backup", "init", "--repo", repo.toString()).exit()).isZero();
    CliRun c1 = dw("backup", "create", "--repo", repo.toString(), data.toString());
    assertThat(c1.exit()).as(c1.err()).isZero();
    assertThat(c1.out()).contains("(full)");
    Files.writeString(data.resolve("a.txt"), "alpha, changed", StandardCharsets.UTF_8);
    CliRun c2 = dw("backup", "create", "--repo", repo.toString(), "--type", "incremental", data.toString());
    assertThat(c2.exit()).as(c2.err()).isZero();
    assertThat(c2.out()).contains("incremental").contains("1 unchanged");

    CliRun list = dw("backup", "list", "--repo", repo.toString(), "--json");
    assertThat(list.exit()).isZero();
    JsonNode arr = Json.tree(list.out().getBytes(StandardCharsets.UTF_8), "list");
    assertThat(arr).hasSize(2);
    assertThat(arr.get(0).get("parent").isNull()).isTrue();
    assertThat(arr.get(1).get("type").asText()).isEqualTo("incremental");
    assertThat(arr.get(1).get("parent").asText()).isEqualTo(arr.get(0).get("id").asText());
    assertThat(arr.get(1).get("paths").get(0).asText()).isEqualTo(data.toAbsolutePath().toString());
    String newest = arr.get(1).get("id").asText();

    CliRun restore = dw("backup", "restore", "--repo", repo.toString(), newest, "--target", tmp.resolve("out").toString());
    assertThat(restore.exit()).as(restore.err()).isZero();
    assertThat(tmp.resolve("out/data/a.txt")).hasContent("alpha, changed");
    CliRun part = dw("backup", "restore", "--repo", repo.toString(), "latest", "--target", tmp.resolve("part").toString(),
        "--path", "data/sub");
    assertThat(part.exit()).isZero();
    assertThat(tmp.resolve("part/data/a.txt")).doesNotExist();
    assertThat(tmp.resolve("part/data/sub/b.bin")).exists();

    CliRun v = dw("backup", "validate", "--repo", repo.toString(), "--read-data", "--test-restore");
    assertThat(v.exit()).as(v.out() + v.err()).isZero();
    assertThat(v.out()).contains("repository is sound");

    CliRun f = dw("backup", "forget", "--repo", repo.toString(), "--keep-last", "1", "--json");
    assertThat(f.exit()).as(f.err()).isZero();
    CliRun p = dw("backup", "prune", "--repo", repo.toString());
    assertThat(p.exit()).as(p.err()).isZero();
    assertThat(p.out()).contains("pruned");

    CliRun key = dw("backup", "key", "add", "--repo", repo.toString(), "--label", "second");
    assertThat(key.exit()).as(key.err()).isZero();
    assertThat(key.out()).contains("default", "second");
  }

  @Test
  void validate_damagedPack_exitsOneNamingTheProblem() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.write(data.resolve("f"), new byte[50_000]);
    assertThat(dw("backup", "init", "--repo", repo.toString()).exit()).isZero();
    assertThat(dw("backup", "create", "--repo", repo.toString(), data.toString()).exit()).isZero();
    Path pack;
    try (Stream<Path> s = Files.walk(repo.resolve("data"))) {
      pack = s.filter(Files::isRegularFile).findFirst().orElseThrow();
    }
    byte[] b = Files.readAllBytes(pack);
    b[20] ^= 1;
    Files.write(pack, b);
    CliRun v = dw("backup", "validate", "--repo", repo.toString(), "--read-data");
    assertThat(v.exit()).isEqualTo(1);
    assertThat(v.out()).contains("PROBLEM pack").contains("affects snapshot");
  }

  @Test
  void wrongPassphrase_exitsOne() {
    assertThat(dw("backup", "init", "--repo", repo.toString()).exit()).isZero();
    BackupCommand.environment = Map.of(BackupCommand.PASSPHRASE_ENV, "wrong")::get;
    CliRun r = dw("backup", "list", "--repo", repo.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("PERMISSION_DENIED");
  }
}
