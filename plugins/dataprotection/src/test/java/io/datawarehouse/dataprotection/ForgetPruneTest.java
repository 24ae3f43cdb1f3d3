package io.datawarehouse.dataprotection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.dataprotection.internal.BlobLocation;
import io.datawarehouse.dataprotection.internal.RepoContext;
import io.datawarehouse.dataprotection.internal.RepoIndex;
import io.datawarehouse.dataprotection.internal.RepoLayout;
import io.datawarehouse.dataprotection.internal.RepoLock;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.testkit.ManualTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForgetPruneTest {
  @TempDir Path tmp;

  private static long size(Path dir) throws Exception {
    try (var s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  @Test
  void forgetThenPrune_freesSpace_keptSnapshotsStillRestore() throws Exception {
    SplittableRandom r = new SplittableRandom(31);
    Path src = tmp.resolve("data");
    ManualTime time = RepoFixture.clock();
    List<String> ids = new ArrayList<>();
    List<Path> copies = new ArrayList<>();
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), time)) {
      for (int day = 0; day < 5; day++) {
        // each day replaces the data completely
        AtomicFiles.write(src.resolve("f.bin"), RepoFixture.random(r, 150_000));
        RepoFixture.write(src.resolve("keep.txt"), "same every day".getBytes());
        Path copy = tmp.resolve("copy" + day);
        DedupAndChainTest.copyTree(src, copy);
        copies.add(copy);
        ids.add(repo.backup(List.of(src), BackupType.FULL, day == 1 ? List.of("keep") : List.of(), Progress.Listener.NONE).id());
        time.advance(Duration.ofDays(1));
      }
      long before = size(tmp.resolve("repo/data"));
      List<RetentionPolicy.Decision> dry = repo.forget(new RetentionPolicy(2, 0, 0, 0, 0, 0, List.of("keep"), null), true, ZoneOffset.UTC);
      assertThat(dry.stream().filter(d -> !d.keep()).count()).isEqualTo(2);
      assertThat(repo.snapshots()).hasSize(5);
      repo.forget(new RetentionPolicy(2, 0, 0, 0, 0, 0, List.of("keep"), null), false, ZoneOffset.UTC);
      assertThat(repo.snapshots()).extracting(Snapshot.Summary::id).containsExactly(ids.get(1), ids.get(3), ids.get(4));
      PruneResult p = repo.prune(Progress.Listener.NONE);
      assertThat(p.blobsRemoved()).isPositive();
      assertThat(p.bytesFreed()).isPositive();
      long after = size(tmp.resolve("repo/data"));
      assertThat(after).isLessThan(before * 4 / 5);
      ValidationReport v = repo.validate(true, false, Progress.Listener.NONE);
      assertThat(v.problems()).isEmpty();
      assertThat(v.leftovers()).isEmpty();
      for (int i : new int[] {1, 3, 4}) {
        Path out = tmp.resolve("out" + i);
        assertThat(repo.restore(ids.get(i), out, List.of(), Progress.Listener.NONE).ok()).isTrue();
        RepoFixture.assertSameTree(copies.get(i), out.resolve("data"));
      }
      // a second prune finds nothing to do
      PruneResult again = repo.prune(Progress.Listener.NONE);
      assertThat(again.packsDeleted() + again.packsRepacked() + again.blobsRemoved()).isZero();
    }
  }

  @Test
  void prune_leavesIndexFilesOfUntouchedPacksAlone_andRepacksAPackListedTwice() throws Exception {
    SplittableRandom r = new SplittableRandom(5);
    Path src = tmp.resolve("data"); // one source, so that forget's keep-last 1 leaves only the second
    RepoFixture.write(src.resolve("f.bin"), RepoFixture.random(r, 200_000));
    ManualTime time = RepoFixture.clock();
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), time)) {
      RepoContext ctx = repo.context();
      repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
      Set<String> ofA = Set.copyOf(RepoLayout.names(ctx.layout().indexDir()));
      time.advance(Duration.ofHours(1));
      Files.delete(src.resolve("f.bin"));
      RepoFixture.write(src.resolve("g.bin"), RepoFixture.random(r, 200_000));
      Path copy = tmp.resolve("copy");
      DedupAndChainTest.copyTree(src, copy);
      String sb = repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE).id();
      Map<String, byte[]> ofB = new HashMap<>();
      for (String name : RepoLayout.names(ctx.layout().indexDir())) {
        if (!ofA.contains(name)) {
          ofB.put(name, Files.readAllBytes(ctx.layout().index(name)));
        }
      }
      assertThat(ofA).isNotEmpty();
      assertThat(ofB).isNotEmpty();
      repo.forget(new RetentionPolicy(1, 0, 0, 0, 0, 0, List.of(), null), false, ZoneOffset.UTC);

      // a's packs go, with a's index files; b's index files stay byte for byte
      PruneResult p = repo.prune(Progress.Listener.NONE);
      assertThat(p.packsDeleted()).isPositive();
      assertThat(p.packsRepacked()).isZero();
      assertThat(p.indexFilesReplaced()).isEqualTo(ofA.size());
      assertThat(new HashSet<>(RepoLayout.names(ctx.layout().indexDir()))).isEqualTo(ofB.keySet());
      for (Map.Entry<String, byte[]> e : ofB.entrySet()) {
        assertThat(Files.readAllBytes(ctx.layout().index(e.getKey()))).isEqualTo(e.getValue());
      }
      assertThat(repo.validate(true, false, Progress.Listener.NONE).problems()).isEmpty();

      // a second index file listing the same packs (as an interrupted prune leaves): the second
      // listing is unused, so those packs are repacked and listed once
      String first = ofB.keySet().iterator().next();
      Map<String, List<BlobLocation>> listed = RepoIndex.read(ctx.layout(), ctx.sealer(), first);
      RepoIndex.write(ctx.layout(), ctx.sealer(), listed);
      long entries = listed.values().stream().mapToLong(List::size).sum();
      PruneResult dup = repo.prune(Progress.Listener.NONE);
      assertThat(dup.packsRepacked()).isEqualTo(listed.size());
      assertThat(dup.blobsRemoved()).isEqualTo(entries);
      assertThat(dup.packsDeleted()).isZero();
      List<Progress> reports = new ArrayList<>();
      ValidationReport v = repo.validate(true, false, reports::add);
      assertThat(v.problems()).isEmpty();
      assertThat(v.leftovers()).isEmpty();
      // progress ends finished at 100 %, counted in whole pack files
      Progress last = reports.get(reports.size() - 1);
      assertThat(last.finished()).isTrue();
      assertThat(last.total()).isPositive().isEqualTo(last.done());
      assertThat(reports).allSatisfy(report -> assertThat(report.done()).isLessThanOrEqualTo(report.total()));
      Path out = tmp.resolve("out");
      assertThat(repo.restore(sb, out, List.of(), Progress.Listener.NONE).ok()).isTrue();
      RepoFixture.assertSameTree(copy, out.resolve("data"));
      PruneResult again = repo.prune(Progress.Listener.NONE);
      assertThat(again.packsDeleted() + again.packsRepacked() + again.blobsRemoved() + again.indexFilesReplaced()).isZero();
    }
  }

  @Test
  void prune_removesLeftoversOfInterruptedRuns() throws Exception {
    Path src = tmp.resolve("data");
    RepoFixture.write(src.resolve("f"), RepoFixture.random(new SplittableRandom(1), 20_000));
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), RepoFixture.clock())) {
      repo.backup(List.of(src), BackupType.FULL, List.of(), Progress.Listener.NONE);
      Path orphan = tmp.resolve("repo/data/ab/ab" + "0".repeat(30));
      Files.createDirectories(orphan.getParent());
      Files.write(orphan, new byte[100]);
      Files.write(tmp.resolve("repo/data/" + AtomicFiles.TEMP_PREFIX + "x"), new byte[10]);
      ValidationReport v = repo.validate(false, false, Progress.Listener.NONE);
      assertThat(v.ok()).isTrue();
      assertThat(v.leftovers()).hasSize(2);
      assertThat(repo.prune(Progress.Listener.NONE).leftoversRemoved()).isEqualTo(2);
      assertThat(repo.validate(false, false, Progress.Listener.NONE).leftovers()).isEmpty();
    }
  }

  @Test
  void lock_exclusiveAgainstLiveLock_isConflict_staleLockIsRemoved() throws Exception {
    ManualTime time = RepoFixture.clock();
    try (BackupRepository repo = RepoFixture.create(tmp.resolve("repo"), time)) {
      RepoLayout layout = new RepoLayout(tmp.resolve("repo"));
      RepoLock shared = RepoLock.acquire(layout, time, false, "backup");
      try {
        assertThatThrownBy(() -> repo.prune(Progress.Listener.NONE))
            .isInstanceOf(DwException.class)
            .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.CONFLICT))
            .hasMessageContaining("locked by pid " + ProcessHandle.current().pid());
        // shared locks coexist
        assertThat(repo.validate(false, false, Progress.Listener.NONE).ok()).isTrue();
      } finally {
        shared.close();
      }
      // a lock left by a process that is gone (on this host) is stale
      long deadPid = new ProcessBuilder("true").start().onExit().get().pid();
      FramedFile.write(layout.lockDir().resolve("dead.lock"), RepoLayout.LOCK_MAGIC, 1,
          Json.toBytes(new RepoLock.Info(deadPid, RepoLock.hostName(), time.now(), true, "prune")));
      repo.prune(Progress.Listener.NONE);
      assertThat(layout.lockDir().resolve("dead.lock")).doesNotExist();
      // a lock of another host is stale only after STALE_AFTER
      FramedFile.write(layout.lockDir().resolve("remote.lock"), RepoLayout.LOCK_MAGIC, 1,
          Json.toBytes(new RepoLock.Info(1, "elsewhere", time.now(), true, "prune")));
      assertThatThrownBy(() -> repo.prune(Progress.Listener.NONE)).hasMessageContaining("elsewhere");
      time.advance(RepoLock.STALE_AFTER.plusMinutes(1));
      repo.prune(Progress.Listener.NONE);
      assertThat(layout.lockDir().resolve("remote.lock")).doesNotExist();
    }
  }
}
