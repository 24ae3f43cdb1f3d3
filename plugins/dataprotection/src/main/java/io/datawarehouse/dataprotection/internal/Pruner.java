package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.dataprotection.PruneResult;
import io.datawarehouse.dataprotection.Snapshot;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Garbage collection, run under the exclusive lock, in memory that does not grow with the
 * repository: the referenced and the kept blob ids live in {@link BlobTable}s (unlinked temporary
 * files under {@code java.io.tmpdir}, not the heap); the heap holds one snapshot, one index file
 * (at most {@link RepoIndex#PACKS_PER_FILE} packs) and a few counters per pack at a time.
 *
 * <ol>
 *   <li>Every snapshot and every index file must open, or prune refuses (FAILED_PRECONDITION):
 *       it cannot know what is referenced otherwise.
 *   <li>The blobs referenced by some snapshot are kept, each once: walking the index files in
 *       name order and their packs in order, the first listing of a blob keeps it (a duplicate
 *       from concurrent backups, or a pack listed twice after an interrupted prune, counts as
 *       unused the second time).
 *   <li>Packs with no kept blob are dropped; packs with some unused blobs are repacked: their kept
 *       blobs are read, verified (so damage is never copied) and copied as they are (the sealed
 *       bytes are bound to the blob id, not to the pack) into new packs. The walk is done twice
 *       (once to count, once to copy), with the same order and so the same choices.
 *   <li>Index files that name only packs kept whole stay as they are. The others are replaced: new
 *       index files (at most {@link RepoIndex#PACKS_PER_FILE} packs each, written as they fill)
 *       list the packs of theirs kept whole and the new packs; only once all are written are the
 *       replaced index files deleted, and only after that the dropped and repacked packs, then
 *       leftovers (unindexed packs, temporary files).
 * </ol>
 * A crash at any step leaves a valid repository: before the replaced index files are deleted they
 * are in force, and new index files name only complete packs (a blob listed twice is found through
 * either); a pack is deleted only once no index names it.
 */
public final class Pruner {
  private Pruner() {}

  /** What the first walk learned about one pack. */
  private static final class PackTally {
    long entries;
    long kept;
    long keptBytes;

    /** Whether every blob of the pack is kept (it stays as it is). */
    boolean whole() {
      return entries > 0 && kept == entries;
    }
  }

  /** Runs prune; the caller holds the exclusive lock. */
  public static PruneResult run(RepoContext ctx, Progress.Listener listener) {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (BlobTable used = new BlobTable(tmp)) {
      markUsed(ctx, used);
      return run(ctx, listener, used, tmp);
    }
  }

  /** Adds every blob some snapshot references to {@code used}, one snapshot in memory at a time. */
  private static void markUsed(RepoContext ctx, BlobTable used) {
    for (String id : RepoLayout.names(ctx.layout().snapshotDir())) {
      Snapshot s;
      try {
        s = ctx.readSnapshot(id);
      } catch (DwException e) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "prune refuses to run: snapshot " + id + " does not verify ("
            + e.getMessage() + "); run validate, then forget or repair it first", e);
      }
      for (Snapshot.FileEntry f : s.files()) {
        for (String c : f.chunks()) {
          used.putIfAbsent(new BlobTable.Entry(BlobId.parse(c).bytes(), 0, 0, 0, 0, false));
        }
      }
    }
  }

  /** One index file, refused with FAILED_PRECONDITION when it does not verify. */
  private static Map<String, List<BlobLocation>> readIndex(RepoContext ctx, String name) {
    try {
      return RepoIndex.read(ctx.layout(), ctx.sealer(), name);
    } catch (DwException e) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "prune refuses to run: index " + name + " does not verify ("
          + e.getMessage() + "); run validate and repair first", e);
    }
  }

  /**
   * Calls {@code each} with every listing of a pack that is on disk, in walk order, and the
   * entries of it that the walk keeps (first listing of a used blob), using {@code kept} (empty at
   * the start) to remember kept ids. Listings of missing packs are skipped: validate reports what
   * they affect, and their entries are left out of new index files.
   */
  private static void walk(RepoContext ctx, List<String> indexNames, Set<String> onDisk, BlobTable used, BlobTable kept,
      BiConsumer<String, Set<String>> eachFile, Walker each) {
    for (String name : indexNames) {
      Map<String, List<BlobLocation>> packs = readIndex(ctx, name);
      eachFile.accept(name, packs.keySet());
      for (Map.Entry<String, List<BlobLocation>> e : packs.entrySet()) {
        if (!onDisk.contains(e.getKey())) {
          continue;
        }
        List<BlobLocation> keep = new ArrayList<>();
        for (BlobLocation l : e.getValue()) {
          byte[] id = l.id().bytes();
          if (used.get(id) != null && kept.putIfAbsent(new BlobTable.Entry(id, 0, 0, 0, 0, false))) {
            keep.add(l);
          }
        }
        each.pack(name, e.getKey(), e.getValue(), keep);
      }
    }
  }

  private interface Walker {
    void pack(String indexName, String pack, List<BlobLocation> all, List<BlobLocation> keep);
  }

  private static PruneResult run(RepoContext ctx, Progress.Listener listener, BlobTable used, Path tmp) {
    Instant started = ctx.time().now();
    RepoLayout layout = ctx.layout();
    List<String> indexNames = RepoLayout.names(layout.indexDir());
    Set<String> onDisk = new HashSet<>(layout.packNames());
    // first walk: count what each pack keeps; which index files name a pack that is missing
    Map<String, PackTally> tallies = new LinkedHashMap<>();
    Set<String> replaced = new LinkedHashSet<>();
    Map<String, Set<String>> packsOf = new LinkedHashMap<>();
    try (BlobTable kept = new BlobTable(tmp)) {
      walk(ctx, indexNames, onDisk, used, kept, (name, packs) -> {
        packsOf.put(name, new HashSet<>(packs));
        if (!onDisk.containsAll(packs)) {
          replaced.add(name);
        }
      }, (name, pack, all, keep) -> {
        PackTally t = tallies.computeIfAbsent(pack, k -> new PackTally());
        t.entries += all.size();
        t.kept += keep.size();
        t.keptBytes += keep.stream().mapToLong(BlobLocation::storedLength).sum();
      });
    }
    List<String> drop = new ArrayList<>();
    Set<String> repack = new LinkedHashSet<>();
    long blobsRemoved = 0;
    long repackBytes = 0;
    for (Map.Entry<String, PackTally> e : tallies.entrySet()) {
      PackTally t = e.getValue();
      blobsRemoved += t.entries - t.kept;
      if (t.kept == 0) {
        drop.add(e.getKey());
      } else if (!t.whole()) {
        repack.add(e.getKey());
        repackBytes += t.keptBytes;
      }
    }
    for (Map.Entry<String, Set<String>> e : packsOf.entrySet()) {
      for (String pack : e.getValue()) {
        PackTally t = tallies.get(pack);
        if (t != null && !t.whole()) {
          replaced.add(e.getKey());
        }
      }
    }
    // second walk: copy the kept blobs of repacked packs; list the packs kept whole of replaced
    // index files, and the new packs, in new index files as they fill
    IndexSink sink = new IndexSink(ctx);
    long[] written = {0, 0};
    if (!replaced.isEmpty()) {
      long total = repackBytes;
      long[] done = {0};
      try (BlobTable kept = new BlobTable(tmp);
          Packs.Writer w = new Packs.Writer(layout, ctx.sealer(), ctx.packSize(), l -> {
            synchronized (written) {
              written[0]++;
              written[1] += l.stream().mapToLong(BlobLocation::storedLength).sum();
            }
            sink.add(l.get(0).pack(), l);
          })) {
        walk(ctx, indexNames, onDisk, used, kept, (name, packs) -> { }, (name, pack, all, keep) -> {
          if (repack.contains(pack)) {
            for (BlobLocation l : keep) {
              byte[] stored = Packs.readStored(layout, l);
              try {
                ctx.sealer().open(l, stored);
              } catch (DwException ex) {
                throw DwException.integrity("prune stopped before deleting anything: " + ex.getMessage()
                    + "; run validate --read-data", ex);
              }
              w.add(l.id(), new Sealer.SealedBlob(stored, l.compressed()), l.rawLength());
              done[0] += stored.length;
              listener.onProgress(new Progress("prune (repack)", done[0], total, "bytes", started, false, null));
            }
          } else if (replaced.contains(name) && tallies.get(pack).whole() && !keep.isEmpty()) {
            sink.add(pack, keep);
          }
        });
        w.flush();
      }
      sink.flush();
      for (String name : replaced) {
        delete(layout.index(name));
      }
    }
    long freed = -written[1];
    for (String p : drop) {
      freed += sizeAndDelete(layout.pack(p));
    }
    for (String p : repack) {
      freed += sizeAndDelete(layout.pack(p));
    }
    // leftovers: packs on disk that no index file names (those of kept index files and the new ones)
    onDisk.removeAll(tallies.keySet());
    onDisk.removeAll(sink.packs);
    long leftovers = 0;
    for (String p : onDisk) {
      freed += sizeAndDelete(layout.pack(p));
      leftovers++;
    }
    for (Path t : layout.leftoverTemporaries()) {
      delete(t);
      leftovers++;
    }
    listener.onProgress(new Progress("prune", 1, 1, "steps", started, true, null));
    return new PruneResult(drop.size(), repack.size(), written[0], blobsRemoved, replaced.size(), leftovers, freed);
  }

  /** New index files, each written once it lists {@link RepoIndex#PACKS_PER_FILE} packs (thread-safe). */
  private static final class IndexSink {
    private final RepoContext ctx;
    private final Map<String, List<BlobLocation>> part = new LinkedHashMap<>();
    final Set<String> packs = new HashSet<>();

    IndexSink(RepoContext ctx) {
      this.ctx = ctx;
    }

    synchronized void add(String pack, List<BlobLocation> entries) {
      // a pack listed by two replaced files (distinct entries in each) is listed once, with both
      part.merge(pack, entries, (a, b) -> {
        List<BlobLocation> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
      });
      packs.add(pack);
      if (part.size() == RepoIndex.PACKS_PER_FILE) {
        flush();
      }
    }

    synchronized void flush() {
      if (!part.isEmpty()) {
        RepoIndex.write(ctx.layout(), ctx.sealer(), part);
        part.clear();
      }
    }
  }

  private static long sizeAndDelete(Path p) {
    try {
      long s = Files.size(p);
      Files.deleteIfExists(p);
      return s;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot delete " + p + ": " + e.getMessage(), e);
    }
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot delete " + p + ": " + e.getMessage(), e);
    }
  }
}
