package io.datawarehouse.dataprotection;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.Progress;
import io.datawarehouse.testkit.ManualTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupAndChainTest {
  @TempDir Path tmp;

  @Test
  void backup_identicalAndShiftedContent_isStoredOnce() throws Exception {
    long seed = 11;
    SplittableRandom r = new SplittableRandom(seed);
    byte[] big = RepoFixture.random(r, 300_000);
    Path src = tmp.resolve("data");
    RepoFixture.write(src.resolve("one.bin"), big);
    RepoFixture.write(src.resolve("copy/two.bin"), big);
    byte[] shifted = new byte[big.length + 777];
    System.arraycopy(RepoFixture.random(r, 777), 0, shifted, 0, 777);
    System.arraycopy(big, 0, shifted, 777, big.length);
    RepoFixture.write(src.resolve("shifted.bin"), shifted);
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), RepoFixture.clock())) {
      Snapshot s = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
      Snapshot.FileEntry one = entry(s, "data/one.bin");
      Snapshot.FileEntry two = entry(s, "data/copy/two.bin");
      Snapshot.FileEntry sh = entry(s, "data/shifted.bin");
      assertThat(two.chunks()).isEqualTo(one.chunks());
      List<String> common = new ArrayList<>(sh.chunks());
      common.retainAll(one.chunks());
      // all but the chunks around the inserted prefix (until the cut points resynchronise) are shared
      assertThat(common.size()).isGreaterThanOrEqualTo(one.chunks().size() * 8 / 10);
      long unique = one.chunks().size() + sh.chunks().size() - common.size();
      assertThat(s.stats().blobsNew()).isEqualTo(unique);
      // stored bytes: about one copy of the random data (it does not compress), not three
      assertThat(s.stats().bytesStored()).isLessThan((long) (big.length * 1.3));
      // a second full backup of the same data stores nothing new
      Snapshot again = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
      assertThat(again.stats().blobsNew()).isZero();
      assertThat(again.stats().filesRead()).isEqualTo(3);
    }
  }

  private static Snapshot.FileEntry entry(Snapshot s, String path) {
    return s.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow();
  }

  @Test
  void chain_fullIncrementalDifferential_everyPointInTimeRestores() throws Exception {
    long seed = 12;
    SplittableRandom r = new SplittableRandom(seed);
    Path src = tmp.resolve("data");
    for (int i = 0; i < 6; i++) {
      RepoFixture.write(src.resolve("d" + (i % 2) + "/f" + i), RepoFixture.random(r, 2000 + r.nextInt(40_000)));
    }
    ManualTime time = RepoFixture.clock();
    List<String> ids = new ArrayList<>();
    List<Path> copies = new ArrayList<>();
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), time)) {
      BackupType[] kinds = {BackupType.FULL, BackupType.INCREMENTAL, BackupType.INCREMENTAL, BackupType.DIFFERENTIAL,
          BackupType.INCREMENTAL};
      for (int step = 0; step < kinds.length; step++) {
        if (step > 0) {
          mutate(src, r, step);
        }
        Path copy = tmp.resolve("copy" + step);
        copyTree(src, copy);
        copies.add(copy);
        Snapshot s = repo.backup(List.of(src), kinds[step], List.of(), Progress.Listener.NONE);
        ids.add(s.id());
        time.advance(Duration.ofHours(1));
        if (step > 0) {
          assertThat(s.stats().filesUnchanged()).as("step %d takes unchanged files over", step).isPositive();
        }
      }
      List<Snapshot.Summary> list = repo.snapshots();
      assertThat(list).extracting(Snapshot.Summary::type)
          .containsExactly("full", "incremental", "incremental", "differential", "incremental");
      assertThat(list.get(1).parent()).isEqualTo(ids.get(0));
      assertThat(list.get(2).parent()).isEqualTo(ids.get(1));
      assertThat(list.get(3).parent()).isEqualTo(ids.get(0));
      assertThat(list.get(4).parent()).isEqualTo(ids.get(3));
      for (Snapshot.Summary summary : list) { // read without the file list: the same fields as the full read
        assertThat(summary).isEqualTo(repo.snapshot(summary.id()).summary());
      }
      for (int step = 0; step < ids.size(); step++) {
        Path out = tmp.resolve("out" + step);
        assertThat(repo.restore(ids.get(step), out, List.of(), Progress.Listener.NONE).ok()).isTrue();
        RepoFixture.assertSameTree(copies.get(step), out.resolve("data"));
      }
      assertThat(repo.validate(true, false, Progress.Listener.NONE).ok()).isTrue();
    }
  }

  @Test
  void incremental_everySnapshotIsVerified_evenThoseOnlyScannedForTheParent() throws Exception {
    SplittableRandom r = new SplittableRandom(5);
    Path src = tmp.resolve("data");
    Path other = tmp.resolve("other");
    RepoFixture.write(src.resolve("a"), RepoFixture.random(r, 20_000));
    RepoFixture.write(other.resolve("b"), RepoFixture.random(r, 20_000));
    ManualTime time = RepoFixture.clock();
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), time)) {
      String full = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE).id();
      time.advance(Duration.ofHours(1));
      String unrelated = repo.backup(List.of(other), BackupType.FULL, List.of(), Progress.Listener.NONE).id();
      time.advance(Duration.ofHours(1));
      Snapshot inc = repo.backup(List.of(src), BackupType.INCREMENTAL, List.of(), Progress.Listener.NONE);
      assertThat(inc.parent()).isEqualTo(full);
      assertThat(inc.stats().filesUnchanged()).isEqualTo(1);
      // a flipped byte in the snapshot of the other source (never the parent) is still found
      Path file = tmp.resolve("repo/snapshots/" + unrelated);
      byte[] b = Files.readAllBytes(file);
      b[b.length / 2] ^= 1;
      Files.write(file, b);
      time.advance(Duration.ofHours(1));
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> repo.backup(List.of(src), BackupType.INCREMENTAL, List.of(), Progress.Listener.NONE))
          .isInstanceOfSatisfying(io.datawarehouse.sdk.DwException.class,
              e -> assertThat(e.code()).isEqualTo(io.datawarehouse.sdk.ErrorCode.INTEGRITY))
          .hasMessageContaining(unrelated);
    }
  }

  private static void mutate(Path src, SplittableRandom r, int step) throws Exception {
    Path f = src.resolve("d0/f0");
    Files.write(f, RepoFixture.random(r, 100), StandardOpenOption.APPEND);
    Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2025-01-01T00:00:00Z").plusSeconds(step)));
    RepoFixture.write(src.resolve("new" + step + "/g"), RepoFixture.random(r, 5000));
    if (step == 3) {
      Files.delete(src.resolve("d1/f1"));
    }
  }

  static void copyTree(Path from, Path to) throws Exception {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    try (var s = Files.walk(from)) {
      for (Path p : s.filter(Files::isDirectory).toList()) {
        Files.setLastModifiedTime(to.resolve(from.relativize(p).toString()), Files.getLastModifiedTime(p));
      }
    }
  }
}
