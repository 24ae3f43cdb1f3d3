package io.datawarehouse.dataprotection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.config.Secret;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of damage is detected, reported with what it affects, and never restored silently. */
class CorruptionTest {
  @TempDir Path tmp;
  Path src;
  Path repoDir;
  String snapshot;

  @BeforeEach
  void backup() throws Exception {
    SplittableRandom r = new SplittableRandom(21);
    src = tmp.resolve("data");
    RepoFixture.write(src.resolve("big.bin"), RepoFixture.random(r, 60_000));
    // two single-chunk files of the same size: their sealed blobs have the same length
    RepoFixture.write(src.resolve("x/a.bin"), RepoFixture.random(r, 900));
    RepoFixture.write(src.resolve("x/b.bin"), RepoFixture.random(r, 900));
    repoDir = tmp.resolve("repo");
    try (BackupRepository repo = RepoFixture.create(repoDir, RepoFixture.clock())) {
      snapshot = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE).id();
    }
  }

  private BackupRepository open() {
    return BackupRepository.open(repoDir, RepoFixture.PASS, RepoFixture.clock());
  }

  private List<Path> files(String dir) throws IOException {
    try (Stream<Path> s = Files.walk(repoDir.resolve(dir))) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static void flip(Path f, long pos) throws IOException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, pos);
      b.put(0, (byte) (b.get(0) ^ 0x40));
      b.rewind();
      ch.write(b, pos);
    }
  }

  private void assertRestoreNeverSilent(BackupRepository repo) {
    Path out = tmp.resolve("out");
    RestoreResult r;
    try {
      r = repo.restore(snapshot, out, List.of(), Progress.Listener.NONE);
    } catch (DwException e) {
      return; // refused as a whole
    }
    assertThat(r.ok()).isFalse();
    for (String f : List.of("big.bin", "x/a.bin", "x/b.bin")) {
      Path p = out.resolve("data").resolve(f);
      if (Files.exists(p)) {
        assertThat(p).hasSameBinaryContentAs(src.resolve(f));
      }
    }
  }

  @Test
  void flipByteInPack_readDataReportsTheAffectedPaths_andRestoreRefusesThem() throws Exception {
    Path pack = files("data").get(0);
    flip(pack, 40);
    try (BackupRepository repo = open()) {
      ValidationReport quick = repo.validate(false, false, Progress.Listener.NONE);
      ValidationReport v = repo.validate(true, false, Progress.Listener.NONE);
      assertThat(v.ok()).isFalse();
      assertThat(v.problems()).anySatisfy(p -> assertThat(p.object()).startsWith("pack "));
      assertThat(v.problems()).anySatisfy(p -> assertThat(p.affected()).anyMatch(a -> a.contains("data/")));
      assertThat(quick.problems().size()).isLessThanOrEqualTo(v.problems().size());
      assertRestoreNeverSilent(repo);
      assertThat(repo.validate(false, true, Progress.Listener.NONE).ok()).isFalse();
    }
  }

  @Test
  void deletedPack_isReportedWithTheFilesItTakes() throws Exception {
    Files.delete(files("data").get(0));
    try (BackupRepository repo = open()) {
      ValidationReport v = repo.validate(false, false, Progress.Listener.NONE);
      assertThat(v.ok()).isFalse();
      assertThat(v.problems()).anySatisfy(p -> assertThat(p.message()).contains("missing"));
      assertThat(v.problems()).anySatisfy(p -> assertThat(p.affected()).anyMatch(a -> a.contains("snapshot " + snapshot + ": data/")));
      assertRestoreNeverSilent(repo);
    }
  }

  @Test
  void truncatedIndex_isReported() throws Exception {
    Path idx = files("index").get(0);
    byte[] b = Files.readAllBytes(idx);
    Files.write(idx, java.util.Arrays.copyOf(b, b.length - 10));
    try (BackupRepository repo = open()) {
      ValidationReport v = repo.validate(false, false, Progress.Listener.NONE);
      assertThat(v.ok()).isFalse();
      assertThat(v.problems()).anySatisfy(p -> {
        assertThat(p.object()).startsWith("index ");
        assertThat(p.message()).contains("does not authenticate");
      });
      assertThat(v.problems()).anySatisfy(p -> assertThat(p.message()).contains("in no index"));
      assertRestoreNeverSilent(repo);
      assertThatThrownBy(() -> repo.prune(Progress.Listener.NONE)).hasMessageContaining("prune refuses");
    }
  }

  @Test
  void swappedChunks_doNotAuthenticate() throws Exception {
    // a repository with just the two equal-sized single-chunk files: its pack holds two blobs of equal length
    Files.delete(src.resolve("big.bin"));
    repoDir = tmp.resolve("repo2");
    try (BackupRepository repo = RepoFixture.create(repoDir, RepoFixture.clock())) {
      snapshot = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE).id();
    }
    Path pack = files("data").get(0);
    byte[] all = Files.readAllBytes(pack);
    int len = 900 + io.datawarehouse.sdk.crypto.Aead.OVERHEAD;
    int first = io.datawarehouse.dataprotection.internal.RepoLayout.HEADER_SIZE;
    int second = first + len;
    assertThat(all.length - 8 - java.nio.ByteBuffer.wrap(all, all.length - 8, 4).getInt()).isEqualTo(second + len);
    byte[] a = java.util.Arrays.copyOfRange(all, first, second);
    System.arraycopy(all, second, all, first, len);
    System.arraycopy(a, 0, all, second, len);
    Files.write(pack, all);
    try (BackupRepository repo = open()) {
      ValidationReport v = repo.validate(true, false, Progress.Listener.NONE);
      assertThat(v.ok()).isFalse();
      assertThat(v.problems()).anySatisfy(p -> assertThat(p.message()).contains("2 blob(s) do not verify"));
      assertThat(v.problems()).anySatisfy(p -> assertThat(p.affected()).contains("snapshot " + snapshot + ": data/x/a.bin",
          "snapshot " + snapshot + ": data/x/b.bin"));
      assertRestoreNeverSilent(repo);
    }
  }

  @Test
  void flippedSnapshot_isReported() throws Exception {
    Path snap = files("snapshots").get(0);
    flip(snap, Files.size(snap) / 2);
    try (BackupRepository repo = open()) {
      ValidationReport v = repo.validate(false, false, Progress.Listener.NONE);
      assertThat(v.ok()).isFalse();
      assertThat(v.problems()).anySatisfy(p -> assertThat(p.object()).isEqualTo("snapshot " + snapshot));
      assertThatThrownBy(() -> repo.restore(snapshot, tmp.resolve("out"), List.of(), Progress.Listener.NONE))
          .isInstanceOf(DwException.class).hasMessageContaining("does not authenticate");
    }
  }

  @Test
  void wrongPassphrase_isRefused() {
    assertThatThrownBy(() -> BackupRepository.open(repoDir, Secret.of("not it"), RepoFixture.clock()))
        .isInstanceOf(DwException.class).hasMessageContaining("passphrase");
  }

  @Test
  void intactRepository_validatesWithEverything() {
    try (BackupRepository repo = open()) {
      ValidationReport v = repo.validate(true, true, Progress.Listener.NONE);
      assertThat(v.problems()).isEmpty();
      assertThat(v.leftovers()).isEmpty();
      assertThat(v.testRestoredFiles()).isEqualTo(3);
    }
  }
}
