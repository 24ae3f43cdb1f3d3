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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BackupRepository#unlockAhead}: the early key derivation is taken only when it matches. */
class UnlockAheadTest {
  @TempDir Path tmp;

  private Path repoWithSnapshot(ManualTime time) throws Exception {
    Path src = tmp.resolve("data");
    RepoFixture.write(src.resolve("a.txt"), "ahead".getBytes());
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), time)) {
      repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
    }
    return tmp.resolve("repo");
  }

  @Test
  void open_afterUnlockAhead_withTheSamePassphrase_works() throws Exception {
    ManualTime time = RepoFixture.clock();
    Path dir = repoWithSnapshot(time);
    BackupRepository.unlockAhead(dir.resolve("x/.."), Secret.of("correct horse battery staple"));
    try (BackupRepository repo = BackupRepository.open(dir, RepoFixture.PASS, time)) {
      assertThat(repo.snapshots()).hasSize(1);
    }
  }

  @Test
  void open_afterUnlockAhead_withAWrongPassphrase_isPermissionDenied() throws Exception {
    ManualTime time = RepoFixture.clock();
    Path dir = repoWithSnapshot(time);
    Secret wrong = Secret.of("wrong");
    BackupRepository.unlockAhead(dir, wrong);
    assertThatThrownBy(() -> BackupRepository.open(dir, wrong, time))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
  }

  @Test
  void open_withAnotherPassphraseOrDirectory_derivesAgain() throws Exception {
    ManualTime time = RepoFixture.clock();
    Path dir = repoWithSnapshot(time);
    // an early unlock with a wrong passphrase must not decide an open with the right one
    BackupRepository.unlockAhead(dir, Secret.of("wrong"));
    try (BackupRepository repo = BackupRepository.open(dir, RepoFixture.PASS, time)) {
      assertThat(repo.snapshots()).hasSize(1);
    }
    // nor one of another repository (same passphrase)
    Path other = tmp.resolve("other");
    RepoFixture.create(other, time).close();
    BackupRepository.unlockAhead(other, RepoFixture.PASS);
    try (BackupRepository repo = BackupRepository.open(dir, RepoFixture.PASS, time)) {
      assertThat(repo.snapshots()).hasSize(1);
    }
    // a wrong passphrase is still refused after a matching early unlock was used up
    assertThatThrownBy(() -> BackupRepository.open(dir, Secret.of("wrong"), time))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
  }

  @Test
  void unlockAhead_ofADirectoryWithoutKeyFile_doesNothing() throws Exception {
    ManualTime time = RepoFixture.clock();
    Path dir = repoWithSnapshot(time);
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    BackupRepository.unlockAhead(empty, RepoFixture.PASS);
    assertThatThrownBy(() -> BackupRepository.open(empty, RepoFixture.PASS, time))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
    try (BackupRepository repo = BackupRepository.open(dir, RepoFixture.PASS, time)) {
      assertThat(repo.snapshots()).hasSize(1);
    }
  }
}
