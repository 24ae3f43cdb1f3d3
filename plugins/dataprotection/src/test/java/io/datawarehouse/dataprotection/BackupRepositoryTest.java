package io.datawarehouse.dataprotection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.config.Secret;
import io.datawarehouse.testkit.ManualTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupRepositoryTest {
  @TempDir Path tmp;

  private Path sampleTree() throws Exception {
    SplittableRandom r = new SplittableRandom(7);
    Path src = tmp.resolve("src").resolve("data");
    RepoFixture.write(src.resolve("a.bin"), RepoFixture.random(r, 100_000));
    RepoFixture.write(src.resolve("sub/b.txt"), "hello".getBytes());
    RepoFixture.write(src.resolve("sub/empty"), new byte[0]);
    RepoFixture.write(src.resolve("ünï/cödé.txt"), RepoFixture.random(r, 5000));
    Files.setPosixFilePermissions(src.resolve("sub/b.txt"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.createSymbolicLink(src.resolve("link"), Path.of("sub/b.txt"));
    Files.setLastModifiedTime(src.resolve("a.bin"), FileTime.from(Instant.parse("2020-02-02T02:02:02.123456Z")));
    Files.setLastModifiedTime(src.resolve("sub"), FileTime.from(Instant.parse("2021-02-02T02:02:02Z")));
    return src;
  }

  @Test
  void backup_thenRestore_isBitExactWithModesAndTimes() throws Exception {
    Path src = sampleTree();
    ManualTime time = RepoFixture.clock();
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), time)) {
      Snapshot s = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
      assertThat(s.stats().files()).isEqualTo(4);
      RestoreResult r = repo.restore(s.id(), tmp.resolve("out"), List.of(), Progress.Listener.NONE);
      assertThat(r.failures()).isEmpty();
      RepoFixture.assertSameTree(src, tmp.resolve("out/data"));
      ValidationReport v = repo.validate(true, true, Progress.Listener.NONE);
      assertThat(v.problems()).isEmpty();
      assertThat(v.ok()).isTrue();
      assertThat(v.blobsRead()).isPositive();
      assertThat(v.testRestoredFiles()).isEqualTo(4);
    }
  }

  @Test
  void restore_selectedPath_restoresOnlyThatSubtree() throws Exception {
    Path src = sampleTree();
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), RepoFixture.clock())) {
      Snapshot s = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
      repo.restore(s.id().substring(0, 6), tmp.resolve("out"), List.of("data/sub"), Progress.Listener.NONE);
      assertThat(tmp.resolve("out/data/sub/b.txt")).hasContent("hello");
      assertThat(tmp.resolve("out/data/a.bin")).doesNotExist();
      repo.restore("latest", tmp.resolve("out2"), List.of(src.resolve("a.bin").toString()), Progress.Listener.NONE);
      assertThat(tmp.resolve("out2/data/a.bin")).hasSameBinaryContentAs(src.resolve("a.bin"));
    }
  }

  @Test
  void open_wrongPassphrase_isPermissionDenied() {
    BackupRepository.init(tmp.resolve("repo"), RepoFixture.PASS, RepoFixture.SMALL, RepoFixture.clock());
    assertThatThrownBy(() -> BackupRepository.open(tmp.resolve("repo"), Secret.of("wrong"), RepoFixture.clock()))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
  }

  @Test
  void addAndChangePassphrase_keepsDataReadable() throws Exception {
    Path src = sampleTree();
    ManualTime time = RepoFixture.clock();
    String id;
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), time)) {
      id = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE).id();
      repo.addPassphrase("second", Secret.of("another passphrase"));
      repo.changePassphrase("default", Secret.of("new default passphrase"));
      assertThat(repo.keySlots()).containsExactly("default", "second");
    }
    assertThatThrownBy(() -> BackupRepository.open(tmp.resolve("repo"), RepoFixture.PASS, time)).isInstanceOf(DwException.class);
    for (String p : List.of("another passphrase", "new default passphrase")) {
      try (BackupRepository repo = BackupRepository.open(tmp.resolve("repo"), Secret.of(p), time)) {
        Path out = tmp.resolve("out-" + p.length());
        assertThat(repo.restore(id, out, List.of(), Progress.Listener.NONE).ok()).isTrue();
        RepoFixture.assertSameTree(src, out.resolve("data"));
      }
    }
  }

  @Test
  void init_nonEmptyDirectory_isAlreadyExists() throws Exception {
    Files.createDirectories(tmp.resolve("repo"));
    Files.writeString(tmp.resolve("repo/x"), "x");
    assertThatThrownBy(() -> BackupRepository.init(tmp.resolve("repo"), RepoFixture.PASS, RepoFixture.SMALL, RepoFixture.clock()))
        .isInstanceOf(DwException.class).hasMessageContaining("not empty");
  }

  @Test
  void init_refusesAZstdLevelOutOfRange_andCreatesNothing() {
    Path dir = tmp.resolve("badlevel");
    for (int level : new int[] {-1, BackupRepository.Options.MAX_ZSTD_LEVEL + 1}) {
      assertThatThrownBy(() -> BackupRepository.init(dir, RepoFixture.PASS, RepoFixture.SMALL.withZstdLevel(level),
          RepoFixture.clock()))
          .isInstanceOf(DwException.class)
          .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
    assertThat(Files.exists(dir)).isFalse();
  }

  @Test
  void repositoriesOfEveryAcceptedLevelKind_roundTrip() throws Exception {
    Path src = sampleTree();
    for (int level : new int[] {0, BackupRepository.Options.DEFAULT_ZSTD_LEVEL, 3}) {
      Path dir = tmp.resolve("repo" + level);
      ManualTime time = RepoFixture.clock();
      BackupRepository.init(dir, RepoFixture.PASS, RepoFixture.SMALL.withZstdLevel(level), time);
      try (BackupRepository repo = BackupRepository.open(dir, RepoFixture.PASS, time)) {
        Snapshot s = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
        assertThat(repo.restore(s.id(), tmp.resolve("out" + level), List.of(), Progress.Listener.NONE).failures()).isEmpty();
        RepoFixture.assertSameTree(src, tmp.resolve("out" + level + "/data"));
        assertThat(repo.validate(true, false, Progress.Listener.NONE).ok()).isTrue();
      }
    }
  }
}
