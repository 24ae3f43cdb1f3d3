package io.datawarehouse.dataprotection;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Random trees back up and restore bit-exactly, with modes and modification times. */
class RoundTripPropertyTest {
  private static Path root;
  private static BackupRepository repo;
  private static int run;

  @BeforeContainer
  static void openRepo() throws IOException {
    Path base = Path.of(System.getProperty("dw.test.tmp", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(base);
    root = Files.createTempDirectory(base, "roundtrip-");
    BackupRepository.init(root.resolve("repo"), RepoFixture.PASS, RepoFixture.SMALL, Time.SYSTEM);
    repo = BackupRepository.open(root.resolve("repo"), RepoFixture.PASS, Time.SYSTEM);
  }

  @AfterContainer
  static void close() {
    repo.close();
    io.datawarehouse.dataprotection.internal.RepoFixtureAccess.deleteTree(root);
  }

  /** One entry of a generated tree. */
  record Spec(List<String> path, int kind, int size, long seed, String perms, long mtimeSecs, int nanos) {}

  @Provide
  Arbitrary<List<Spec>> trees() {
    Arbitrary<String> segment = Arbitraries.oneOf(
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8),
        Arbitraries.of("ünïcödé", "日本語", "emoji-\uD83D\uDE00", "sp ace", "x.y.z", "-dash"));
    Arbitrary<List<String>> path = segment.list().ofMinSize(1).ofMaxSize(4);
    Arbitrary<Integer> kind = Arbitraries.integers().between(0, 9); // 0-6 file, 7-8 dir, 9 symlink
    Arbitrary<Integer> size = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(1, 3000),
        Arbitraries.integers().between(3000, 300_000));
    Arbitrary<String> perms = Arbitraries.of("rw-r--r--", "rwxr-xr-x", "r--------", "rw-rw-rw-", "rwx------");
    return Combinators.combine(path, kind, size, Arbitraries.longs(), perms,
            Arbitraries.longs().between(0, 2_000_000_000L), Arbitraries.integers().between(0, 999_999_999))
        .as(Spec::new).list().ofMinSize(1).ofMaxSize(25);
  }

  @Property(tries = 12)
  void backupAndRestore_randomTree_isBitExact(@ForAll("trees") List<Spec> specs) throws IOException {
    int n = ++run;
    Path src = root.resolve("src" + n).resolve("tree");
    Files.createDirectories(src);
    List<Path> dirs = new ArrayList<>();
    for (Spec s : specs) {
      Path p = src.resolve(String.join("/", s.path()));
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) || clashes(src, p)) {
        continue;
      }
      Files.createDirectories(p.getParent());
      if (s.kind() <= 6) {
        Files.write(p, RepoFixture.random(new SplittableRandom(s.seed()), s.size()));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(s.perms()));
        Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(s.mtimeSecs(), s.nanos())));
      } else if (s.kind() <= 8) {
        Files.createDirectory(p);
        dirs.add(p);
      } else {
        Files.createSymbolicLink(p, Path.of("../target-" + s.size()));
      }
    }
    for (Path d : dirs) {
      Files.setLastModifiedTime(d, FileTime.from(Instant.ofEpochSecond(1_600_000_000L + d.toString().length())));
    }
    Snapshot snap = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
    Path out = root.resolve("out" + n);
    RestoreResult r = repo.restore(snap.id(), out, List.of(), Progress.Listener.NONE);
    assertThat(r.failures()).isEmpty();
    RepoFixture.assertSameTree(src, out.resolve("tree"));
  }

  /** Whether some ancestor of {@code p} under {@code src} exists as a non-directory. */
  private static boolean clashes(Path src, Path p) {
    for (Path a = p.getParent(); a != null && a.startsWith(src) && !a.equals(src); a = a.getParent()) {
      if (Files.exists(a, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(a, LinkOption.NOFOLLOW_LINKS)) {
        return true;
      }
    }
    return false;
  }
}
