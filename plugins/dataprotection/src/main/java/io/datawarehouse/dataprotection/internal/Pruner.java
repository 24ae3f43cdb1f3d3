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
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Garbage collection, run under the exclusive lock.
 *
 * <ol>
 *   <li>Every snapshot and every index file must open, or prune refuses (FAILED_PRECONDITION):
 *       it cannot know what is referenced otherwise.
 *   <li>The blobs referenced by some snapshot are kept, each once (a duplicate from concurrent
 *       backups counts as unused in the second pack).
 *   <li>Packs with no kept blob are dropped; packs with some unused blobs are repacked: their kept
 *       blobs are read, verified (so damage is never copied) and copied as they are (the sealed
 *       bytes are bound to the blob id, not to the pack) into new packs.
 *   <li>New index files (at most {@link RepoIndex#PACKS_PER_FILE} packs each) list every kept blob;
 *       only once all are written are the old index files deleted, and
 *       only after that the dropped and repacked packs, then leftovers (unindexed packs,
 *       temporary files).
 * </ol>
 * A crash at any step leaves a valid repository: before the new index files exist the old ones
 * are in force and the new packs are leftovers; once some exist, old and new name complete packs
 * (a blob listed twice is found through either) until the old index
 * files are gone, and a pack is deleted only once no index names it.
 */
public final class Pruner {
  private Pruner() {}

  /** Runs prune; the caller holds the exclusive lock. */
  public static PruneResult run(RepoContext ctx, Progress.Listener listener) {
    Instant started = ctx.time().now();
    RepoLayout layout = ctx.layout();
    List<String> indexNames = RepoLayout.names(layout.indexDir());
    Map<String, List<BlobLocation>> byPack = new LinkedHashMap<>();
    for (String name : indexNames) {
      try {
        for (Map.Entry<String, List<BlobLocation>> e : RepoIndex.read(layout, ctx.sealer(), name).entrySet()) {
          byPack.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).addAll(e.getValue());
        }
      } catch (DwException e) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "prune refuses to run: index " + name + " does not verify ("
            + e.getMessage() + "); run validate and repair first", e);
      }
    }
    Set<BlobId> used = new HashSet<>();
    for (String id : RepoLayout.names(layout.snapshotDir())) {
      Snapshot s;
      try {
        s = ctx.readSnapshot(id);
      } catch (DwException e) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "prune refuses to run: snapshot " + id + " does not verify ("
            + e.getMessage() + "); run validate, then forget or repair it first", e);
      }
      for (Snapshot.FileEntry f : s.files()) {
        for (String c : f.chunks()) {
          used.add(BlobId.parse(c));
        }
      }
    }
    Set<String> onDisk = new HashSet<>(layout.packNames());
    Set<BlobId> kept = new HashSet<>();
    Map<String, List<BlobLocation>> keepPacks = new LinkedHashMap<>();
    Map<String, List<BlobLocation>> repack = new LinkedHashMap<>();
    List<String> drop = new ArrayList<>();
    long blobsRemoved = 0;
    for (Map.Entry<String, List<BlobLocation>> e : byPack.entrySet()) {
      if (!onDisk.contains(e.getKey())) {
        continue; // missing pack: validate reports what it affects; its entries are dropped from the new index
      }
      List<BlobLocation> keep = new ArrayList<>();
      for (BlobLocation l : e.getValue()) {
        if (used.contains(l.id()) && kept.add(l.id())) {
          keep.add(l);
        } else {
          blobsRemoved++;
        }
      }
      if (keep.isEmpty()) {
        drop.add(e.getKey());
      } else if (keep.size() < e.getValue().size()) {
        repack.put(e.getKey(), keep);
      } else {
        keepPacks.put(e.getKey(), keep);
      }
    }
    Map<String, List<BlobLocation>> written = new LinkedHashMap<>();
    long newBytes = 0;
    if (!repack.isEmpty()) {
      long total = repack.values().stream().flatMap(List::stream).mapToLong(BlobLocation::storedLength).sum();
      long done = 0;
      try (Packs.Writer w = new Packs.Writer(layout, ctx.sealer(), ctx.packSize(), l -> {
        synchronized (written) {
          written.put(l.get(0).pack(), l);
        }
      })) {
        for (List<BlobLocation> blobs : repack.values()) {
          for (BlobLocation l : blobs) {
            byte[] stored = Packs.readStored(layout, l);
            try {
              ctx.sealer().open(l, stored);
            } catch (DwException ex) {
              throw DwException.integrity("prune stopped before changing anything: " + ex.getMessage()
                  + "; run validate --read-data", ex);
            }
            w.add(l.id(), new Sealer.SealedBlob(stored, l.compressed()), l.rawLength());
            done += stored.length;
            listener.onProgress(new Progress("prune (repack)", done, total, "bytes", started, false, null));
          }
        }
        w.flush();
      }
      for (List<BlobLocation> l : written.values()) {
        newBytes += l.stream().mapToLong(BlobLocation::storedLength).sum();
      }
    }
    boolean changed = !drop.isEmpty() || !repack.isEmpty() || byPack.size() != keepPacks.size();
    long freed = -newBytes;
    long leftovers = 0;
    if (changed) {
      Map<String, List<BlobLocation>> all = new LinkedHashMap<>(keepPacks);
      all.putAll(written);
      List<String> fresh = RepoIndex.writeAll(layout, ctx.sealer(), all);
      for (String name : indexNames) {
        if (!fresh.contains(name)) {
          delete(layout.index(name));
        }
      }
      for (String p : drop) {
        freed += sizeAndDelete(layout.pack(p));
      }
      for (String p : repack.keySet()) {
        freed += sizeAndDelete(layout.pack(p));
      }
      onDisk.removeAll(drop);
      onDisk.removeAll(repack.keySet());
      onDisk.removeAll(all.keySet());
    } else {
      onDisk.removeAll(byPack.keySet());
    }
    for (String p : onDisk) {
      freed += sizeAndDelete(layout.pack(p));
      leftovers++;
    }
    for (Path t : layout.leftoverTemporaries()) {
      delete(t);
      leftovers++;
    }
    listener.onProgress(new Progress("prune", 1, 1, "steps", started, true, null));
    return new PruneResult(drop.size(), repack.size(), written.size(), blobsRemoved, changed ? indexNames.size() : 0,
        leftovers, freed);
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
