package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.dataprotection.RestoreResult;
import io.datawarehouse.dataprotection.Snapshot;
import io.datawarehouse.dataprotection.ValidationReport;
import io.datawarehouse.dataprotection.ValidationReport.Problem;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Validates a repository, as the BackupValidator asks:
 * <ol>
 *   <li>every index file opens (tag) and parses; every pack it names exists and its trailer opens
 *       and agrees with the index (ids, offsets, lengths);
 *   <li>with {@code readData}, every blob of every pack is re-read and verified (GCM tag, zstd,
 *       length, HMAC against its id), on {@code threads} threads;
 *   <li>every snapshot opens; its parent exists (and a differential's parent is full); every chunk
 *       it references is indexed and verified;
 *   <li>with {@code testRestore}, the latest snapshot is restored to a temporary directory, every
 *       restored file is re-read and its chunks' HMACs compared with the snapshot; then it is deleted.
 * </ol>
 * Problems are reported with the snapshots and paths they affect. Packs no index names and
 * temporary files are leftovers of interrupted runs: listed, not problems.
 */
public final class Validator {
  private static final int MAX_AFFECTED = 100;

  private final RepoContext ctx;
  private final List<Problem> problems = Collections.synchronizedList(new ArrayList<>());
  private final List<String> leftovers = new ArrayList<>();
  /** Blob id to a description of what is wrong with it. */
  private final Map<BlobId, String> badBlobs = new ConcurrentHashMap<>();
  /** Each validation thread reuses one set of read buffers for all its packs. */
  private final ThreadLocal<Sealer.Buffers> readBuffers = ThreadLocal.withInitial(Sealer.Buffers::new);

  private Validator(RepoContext ctx) {
    this.ctx = ctx;
  }

  /** Runs the validation. */
  public static ValidationReport run(RepoContext ctx, boolean readData, boolean testRestore, Path tempDir,
      Progress.Listener listener) {
    try (RepoIndex index = new RepoIndex()) {
      return new Validator(ctx).run(index, readData, testRestore, tempDir, listener);
    }
  }

  private ValidationReport run(RepoIndex index, boolean readData, boolean testRestore, Path tempDir,
      Progress.Listener listener) {
    Instant started = ctx.time().now();
    RepoLayout layout = ctx.layout();
    // 1 and 2: index files, one at a time, and the packs each names, checked as it is read (at
    // most 2 x threads packs' entries in memory; the locations go to the file-backed index)
    Set<String> onDisk = new HashSet<>(layout.packNames());
    long total = 0;
    for (String p : onDisk) {
      total += sizeOrZero(layout.pack(p));
    }
    final long totalBytes = total;
    Set<String> listedPacks = new HashSet<>();
    List<String> indexNames = RepoLayout.names(layout.indexDir());
    AtomicLong blobsRead = new AtomicLong();
    AtomicLong bytesRead = new AtomicLong();
    AtomicLong packBytesDone = new AtomicLong(); // progress: whole pack files checked, against totalBytes
    AtomicInteger tid = new AtomicInteger();
    int threads = ctx.threads();
    Semaphore inFlight = new Semaphore(2 * threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> new Thread(r, "dataprotection-validate-" + tid.incrementAndGet()));
    try {
      List<Future<?>> work = new ArrayList<>();
      for (String name : indexNames) {
        Map<String, List<BlobLocation>> m;
        try {
          m = RepoIndex.read(layout, ctx.sealer(), name);
        } catch (DwException e) {
          problems.add(new Problem("index " + name, e.getMessage(), List.of("blobs listed only there are reported missing below")));
          continue;
        }
        for (Map.Entry<String, List<BlobLocation>> e : m.entrySet()) {
          String pack = e.getKey();
          List<BlobLocation> listed = e.getValue();
          index.addAll(listed, name);
          boolean firstListing = listedPacks.add(pack);
          if (!onDisk.contains(pack)) {
            markBad(listed, "pack " + pack + " is missing");
            problems.add(new Problem("pack " + pack, "missing: " + listed.size() + " blob(s) " + (firstListing ? "" : "more ")
                + "are lost (listed by index " + name + ")", List.of()));
            continue;
          }
          inFlight.acquire();
          try {
            work.add(pool.submit(() -> {
              try {
                // a pack listed by several index files is compared with each, its data read once
                checkPack(pack, listed, readData && firstListing, blobsRead, bytesRead);
                long done = firstListing ? packBytesDone.addAndGet(sizeOrZero(layout.pack(pack))) : packBytesDone.get();
                synchronized (listener) {
                  listener.onProgress(new Progress("validate", done, readData ? totalBytes : -1, "bytes", started,
                      false, blobsRead.get() + " blobs"));
                }
              } finally {
                inFlight.release();
              }
            }));
          } catch (RuntimeException rejected) {
            inFlight.release();
            throw rejected;
          }
        }
      }
      for (Future<?> f : work) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "validation was interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw DwException.internal("a validation worker failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    for (String p : onDisk) {
      if (!listedPacks.contains(p)) {
        leftovers.add("pack " + p + " (no index names it)");
      }
    }
    for (Path t : layout.leftoverTemporaries()) {
      leftovers.add("temporary file " + layout.root().relativize(t));
    }
    // 3. snapshots and chains
    Map<String, Snapshot> snaps = new HashMap<>();
    List<String> snapNames = RepoLayout.names(layout.snapshotDir());
    for (String id : snapNames) {
      try {
        snaps.put(id, ctx.readSnapshot(id));
      } catch (DwException e) {
        problems.add(new Problem("snapshot " + id, e.getMessage(), List.of("snapshot " + id)));
      }
    }
    List<Snapshot> ordered = new ArrayList<>(snaps.values());
    ordered.sort(Comparator.comparing(Snapshot::time));
    for (Snapshot s : ordered) {
      if (s.parent() != null) {
        Snapshot parent = snaps.get(s.parent());
        if (parent == null) {
          problems.add(new Problem("snapshot " + s.id(), "its parent " + s.parent() + " is missing or does not verify",
              List.of("snapshot " + s.id() + " (" + s.type() + " of " + s.paths() + ")")));
        } else if (s.type().equals("differential") && !parent.type().equals("full")) {
          problems.add(new Problem("snapshot " + s.id(), "differential snapshot whose parent " + parent.id() + " is "
              + parent.type() + ", not full", List.of("snapshot " + s.id())));
        }
      }
      Map<String, List<String>> byReason = new LinkedHashMap<>();
      for (Snapshot.FileEntry f : s.files()) {
        for (String c : f.chunks()) {
          BlobId id;
          try {
            id = BlobId.parse(c);
          } catch (DwException e) {
            byReason.computeIfAbsent("malformed chunk id", k -> new ArrayList<>()).add("snapshot " + s.id() + ": " + f.path());
            break;
          }
          String why = index.contains(id) ? badBlobs.get(id) : "chunk(s) in no index (a pack or index file is lost)";
          if (why != null) {
            byReason.computeIfAbsent(why, k -> new ArrayList<>()).add("snapshot " + s.id() + ": " + f.path());
            break;
          }
        }
      }
      for (Map.Entry<String, List<String>> e : byReason.entrySet()) {
        problems.add(new Problem("snapshot " + s.id(), e.getValue().size() + " file(s) cannot be restored: " + e.getKey(),
            cap(e.getValue())));
      }
    }
    // 4. test restore
    long restored = 0;
    if (testRestore && !ordered.isEmpty()) {
      restored = testRestore(ordered.get(ordered.size() - 1), index, tempDir);
    }
    // the end: everything there was to check was checked (packs no index names are leftovers, not read)
    listener.onProgress(new Progress("validate", packBytesDone.get(), readData ? packBytesDone.get() : -1, "bytes", started,
        true, blobsRead.get() + " blobs"));
    List<Problem> out = new ArrayList<>(problems);
    return new ValidationReport(out.isEmpty(), snapNames.size(), indexNames.size(), listedPacks.size(), blobsRead.get(),
        bytesRead.get(), restored, out, leftovers);
  }

  private static long sizeOrZero(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0; // reported when the pack is checked
    }
  }

  private static List<String> cap(List<String> l) {
    if (l.size() <= MAX_AFFECTED) {
      return l;
    }
    List<String> out = new ArrayList<>(l.subList(0, MAX_AFFECTED));
    out.add("... and " + (l.size() - MAX_AFFECTED) + " more");
    return out;
  }

  private void markBad(List<BlobLocation> blobs, String why) {
    for (BlobLocation b : blobs) {
      badBlobs.putIfAbsent(b.id(), why);
    }
  }

  private void checkPack(String pack, List<BlobLocation> listed, boolean readData, AtomicLong blobsRead, AtomicLong bytesRead) {
    List<BlobLocation> trailer;
    try {
      trailer = Packs.readTrailer(ctx.layout(), ctx.sealer(), pack);
    } catch (DwException e) {
      markBad(listed, "pack " + pack + " is damaged");
      problems.add(new Problem("pack " + pack, e.getMessage(), List.of()));
      return;
    }
    Map<BlobId, BlobLocation> inTrailer = new HashMap<>();
    for (BlobLocation t : trailer) {
      inTrailer.put(t.id(), t);
    }
    List<String> mismatches = new ArrayList<>();
    for (BlobLocation l : listed) {
      BlobLocation t = inTrailer.get(l.id());
      if (!l.equals(t)) {
        badBlobs.putIfAbsent(l.id(), "the index and pack " + pack + " disagree on its blob(s)");
        mismatches.add(l.id().toString());
      }
    }
    if (!mismatches.isEmpty()) {
      problems.add(new Problem("pack " + pack, "the index and the pack trailer disagree on " + mismatches.size()
          + " blob(s): " + cap(mismatches), List.of()));
    }
    if (!readData) {
      return;
    }
    int bad = 0;
    String first = null;
    Path file = ctx.layout().pack(pack);
    // the pack is opened once and read front to back (the trailer lists blobs in file order)
    Sealer.Buffers buffers = readBuffers.get();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (BlobLocation l : trailer) {
        try {
          byte[] stored = Packs.readStored(ch, file, l, buffers.stored(l.storedLength()));
          ctx.sealer().openInto(l, stored, l.storedLength(), buffers);
          bytesRead.addAndGet(l.storedLength());
        } catch (DwException | IOException e) {
          badBlobs.putIfAbsent(l.id(), "blob(s) in pack " + pack + " do not verify");
          bad++;
          if (first == null) {
            first = e instanceof IOException ? "cannot read " + file + ": " + e.getMessage() : e.getMessage();
          }
        }
        blobsRead.incrementAndGet();
      }
    } catch (IOException e) {
      markBad(trailer, "pack " + pack + " cannot be read");
      bad = trailer.size();
      first = "cannot read " + file + ": " + e.getMessage();
    }
    if (bad > 0) {
      problems.add(new Problem("pack " + pack, bad + " blob(s) do not verify; first: " + first, List.of()));
    }
  }

  private long testRestore(Snapshot s, RepoIndex index, Path tempDir) {
    Path dir;
    try {
      dir = tempDir == null ? Files.createTempDirectory("dw-test-restore-") : Files.createTempDirectory(tempDir, "dw-test-restore-");
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot create a directory for the test restore: " + e.getMessage(), e);
    }
    try {
      RestoreResult r = RestoreRun.run(ctx, index, s, dir, List.of(), Progress.Listener.NONE);
      List<String> mismatched = new ArrayList<>();
      for (String f : r.failures()) {
        mismatched.add("snapshot " + s.id() + ": " + f);
      }
      for (Snapshot.FileEntry f : s.files()) {
        if (f.kind().equals("file") && Files.exists(dir.resolve(f.path()))) {
          String why = compare(dir.resolve(f.path()), f, index);
          if (why != null) {
            mismatched.add("snapshot " + s.id() + ": " + f.path() + ": " + why);
          }
        }
      }
      if (!mismatched.isEmpty()) {
        problems.add(new Problem("test restore of snapshot " + s.id(), mismatched.size() + " file(s) did not restore exactly",
            cap(mismatched)));
      }
      return r.files();
    } finally {
      deleteTree(dir);
    }
  }

  /** Re-reads a restored file and compares each chunk's HMAC with the recorded id; null when equal. */
  private String compare(Path file, Snapshot.FileEntry f, RepoIndex index) {
    try (InputStream in = Files.newInputStream(file)) {
      long size = 0;
      for (String c : f.chunks()) {
        BlobId id = BlobId.parse(c);
        BlobLocation loc = index.get(id);
        if (loc == null) {
          return "chunk " + id + " is in no index";
        }
        byte[] data = in.readNBytes(loc.rawLength());
        size += data.length;
        if (data.length != loc.rawLength() || !id.equals(ctx.sealer().id(data, 0, data.length))) {
          return "content differs at byte " + (size - data.length);
        }
      }
      if (in.read() != -1 || size != f.size()) {
        return "size differs from the recorded " + f.size();
      }
      return null;
    } catch (IOException e) {
      return "cannot read it back: " + e.getMessage();
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> all = s.sorted(Comparator.reverseOrder()).toList();
      for (Path p : all) {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          p.toFile().setWritable(true);
        }
      }
      for (Path p : all) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort for a temporary directory
        }
      }
    } catch (IOException e) {
      // nothing to delete
    }
  }
}
