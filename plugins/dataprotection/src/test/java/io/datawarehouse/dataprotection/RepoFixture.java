package io.datawarehouse.dataprotection;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.config.Secret;
import io.datawarehouse.testkit.ManualTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Helpers for repository tests: small chunk sizes, a manual clock, tree comparison. */
final class RepoFixture {
  static final Secret PASS = Secret.of("correct horse battery staple");
  /** Small chunks so that small test files have several. */
  static final BackupRepository.Options SMALL = new BackupRepository.Options(1024, 4096, 16384, 3, 64 * 1024);

  private RepoFixture() {}

  static ManualTime clock() {
    return new ManualTime(Instant.parse("2026-01-05T10:00:00Z"));
  }

  static BackupRepository create(Path dir, ManualTime time) {
    BackupRepository.init(dir, PASS, SMALL, time);
    return BackupRepository.open(dir, PASS, time);
  }

  static byte[] random(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  static void write(Path p, byte[] data) throws IOException {
    Files.createDirectories(p.getParent());
    Files.write(p, data);
  }

  /** Asserts that {@code restored} equals {@code original} bit for bit, with modes and mtimes. */
  static void assertSameTree(Path original, Path restored) throws IOException {
    List<String> a = listing(original);
    List<String> b = listing(restored);
    assertThat(b).containsExactlyElementsOf(a);
  }

  private static List<String> listing(Path root) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted().toList()) {
        String rel = root.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          out.add(rel + " -> " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          out.add(rel + "/ " + perms(p) + " " + (rel.isEmpty() ? "" : Files.getLastModifiedTime(p).toString()));
        } else {
          out.add(rel + " " + perms(p) + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS) + " "
              + Arrays.hashCode(Files.readAllBytes(p)) + " " + Files.size(p));
        }
      }
    }
    return out;
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }
}
