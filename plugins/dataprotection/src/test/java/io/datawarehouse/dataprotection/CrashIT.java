package io.datawarehouse.dataprotection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM is killed (SIGKILL) in the middle of a backup and in the middle of a prune; the
 * repository validates afterwards (leftovers allowed), the next backup succeeds, and every
 * snapshot restores exactly.
 */
class CrashIT {
  @TempDir Path tmp;

  private Process child(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), CrashChild.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child-" + args[0] + ".log").toFile()).start();
  }

  /** Whether a pack (or a pack being written) exists that was not there before. */
  private static boolean newDataFile(Path data, List<String> before) {
    try (Stream<Path> s = Files.walk(data)) {
      return s.filter(Files::isRegularFile).map(Path::toString).anyMatch(p -> !before.contains(p));
    } catch (IOException e) {
      return false;
    }
  }

  private static List<String> dataFiles(Path data) throws IOException {
    try (Stream<Path> s = Files.walk(data)) {
      return s.filter(Files::isRegularFile).map(Path::toString).toList();
    }
  }

  private static void makeTree(Path src, long seed, int files, int size) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < files; i++) {
      AtomicFiles.write(src.resolve("d" + (i % 5)).resolve("f" + i), RepoFixture.random(r, size));
    }
  }

  private void assertSoundAndUsable(Path repoDir, Path src) throws Exception {
    try (BackupRepository repo = BackupRepository.open(repoDir, RepoFixture.PASS, Time.SYSTEM)) {
      ValidationReport v = repo.validate(true, false, Progress.Listener.NONE);
      assertThat(v.problems()).isEmpty();
      assertThat(v.ok()).isTrue();
      Snapshot s = repo.backup(List.of(src), BackupType.INCREMENTAL, List.of(), Progress.Listener.NONE);
      Path out = tmp.resolve("out-" + s.id());
      assertThat(repo.restore(s.id(), out, List.of(), Progress.Listener.NONE).ok()).isTrue();
      RepoFixture.assertSameTree(src, out.resolve(src.getFileName().toString()));
      assertThat(repo.validate(true, true, Progress.Listener.NONE).ok()).isTrue();
      repo.prune(Progress.Listener.NONE);
      assertThat(repo.validate(false, false, Progress.Listener.NONE).leftovers()).isEmpty();
    }
  }

  @Test
  void killDuringBackup_repositoryValidates_nextBackupSucceeds() throws Exception {
    Path src = tmp.resolve("data");
    makeTree(src, 41, 40, 1_000_000);
    Path repoDir = tmp.resolve("repo");
    BackupRepository.init(repoDir, RepoFixture.PASS, RepoFixture.SMALL, Time.SYSTEM);
    List<String> before = dataFiles(repoDir.resolve("data"));
    Process p = child("backup", repoDir.toString(), src.toString());
    try {
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(5))
          .until(() -> newDataFile(repoDir.resolve("data"), before) || !p.isAlive());
    } finally {
      p.destroyForcibly().waitFor();
    }
    System.out.println("backup child killed; output: " + Files.readString(tmp.resolve("child-backup.log")).strip());
    assertSoundAndUsable(repoDir, src);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"data", "index"})
  void killDuringPrune_repositoryValidates_nextBackupSucceeds(String killWhenNewFileIn) throws Exception {
    Path src = tmp.resolve("data");
    Path repoDir = tmp.resolve("repo");
    BackupRepository.init(repoDir, RepoFixture.PASS, RepoFixture.SMALL, Time.SYSTEM);
    try (BackupRepository repo = BackupRepository.open(repoDir, RepoFixture.PASS, Time.SYSTEM)) {
      // two generations share half of their files: after forgetting the first, prune must repack
      makeTree(src, 51, 30, 400_000);
      repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
      makeTree(src.resolve("d0"), 52, 15, 400_000);
      repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
      repo.forget(new RetentionPolicy(1, 0, 0, 0, 0, 0, List.of(), null), false, ZoneOffset.UTC);
    }
    // kill as soon as prune writes its first new pack, or its new index (before it deletes anything old)
    Path watched = repoDir.resolve(killWhenNewFileIn);
    List<String> before = dataFiles(watched);
    Process p = child("prune", repoDir.toString());
    try {
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(2))
          .until(() -> newDataFile(watched, before) || !p.isAlive());
    } finally {
      p.destroyForcibly().waitFor();
    }
    System.out.println("prune child killed at a new file in " + killWhenNewFileIn + "; output: " + Files.readString(tmp.resolve("child-prune.log")).strip());
    assertSoundAndUsable(repoDir, src);
  }
}
