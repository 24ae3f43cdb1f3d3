package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.dataprotection.RestoreResult;
import io.datawarehouse.dataprotection.Snapshot;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restores a snapshot, or the entries under some of its paths, into a target directory. The
 * chunks of all selected files are planned by pack and offset; {@code threads} workers each take
 * a stretch of one pack (opened once, read front to back), verify every blob (GCM tag, length,
 * HMAC of the plaintext against the chunk id) once, however many files share it, and write it at
 * its offset into each file's temporary file; the worker that writes a file's last chunk checks its
 * size and renames it into place; then modes and modification times, directories last (deepest first) so
 * that writing their content does not change them. A file that cannot be restored exactly is not
 * left behind under its name; every such failure is reported by path.
 */
public final class RestoreRun {
  /** Stored bytes one read task takes from a pack (a 32 MiB pack is read by two tasks, one per core). */
  private static final long TASK_BYTES = 16L << 20;

  private RestoreRun() {}

  /**
   * One file being restored: its temporary file is created by the first chunk written (or at once
   * when it has none), each chunk is written at its offset, and the worker that completes the
   * last chunk finishes it (size check, mode, times, rename) or, after a failure, deletes it.
   */
  private static final class FileJob {
    final Snapshot.FileEntry entry;
    final Path dest;
    final Path tmp;
    final AtomicInteger remaining;
    private boolean created;
    volatile String failure;

    FileJob(Snapshot.FileEntry entry, Path dest, int chunks) {
      this.entry = entry;
      this.dest = dest;
      this.tmp = dest.resolveSibling(AtomicFiles.TEMP_PREFIX + dest.getFileName());
      this.remaining = new AtomicInteger(chunks);
    }

    /** Opens the temporary file for writing, creating (truncating) it the first time. */
    synchronized FileChannel open() throws IOException {
      if (!created) {
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
        created = true;
        return ch;
      }
      return FileChannel.open(tmp, StandardOpenOption.WRITE);
    }

    synchronized boolean created() {
      return created;
    }

    void fail(String why) {
      synchronized (this) {
        if (failure == null) {
          failure = why;
        }
      }
    }
  }

  /** Where a verified chunk goes: a file and the offset in it. */
  private record Target(FileJob job, long offset) {}

  /**
   * Restores {@code snap} into {@code target}.
   *
   * @param includes snapshot paths ({@code data/sub}) or original absolute paths to restore; empty for all
   */
  public static RestoreResult run(RepoContext ctx, RepoIndex index, Snapshot snap, Path target, List<String> includes,
      Progress.Listener listener) {
    Instant started = ctx.time().now();
    List<String> inc = new ArrayList<>();
    for (String i : includes) {
      inc.add(mapInclude(snap, i));
    }
    List<Snapshot.FileEntry> selected = new ArrayList<>();
    for (Snapshot.FileEntry e : snap.files()) {
      if (inc.isEmpty() || inc.stream().anyMatch(i -> e.path().equals(i) || e.path().startsWith(i + "/")
          || (e.kind().equals("dir") && i.startsWith(e.path() + "/")))) {
        selected.add(e);
      }
    }
    if (!inc.isEmpty() && selected.isEmpty()) {
      throw DwException.notFound("snapshot " + snap.id() + " has no entry under " + includes);
    }
    Path root = target.toAbsolutePath().normalize();
    long total = selected.stream().mapToLong(Snapshot.FileEntry::size).sum();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    AtomicLong bytes = new AtomicLong();
    AtomicLong files = new AtomicLong();
    try {
      Files.createDirectories(root);
      for (Snapshot.FileEntry e : selected) {
        if (e.kind().equals("dir")) {
          Files.createDirectories(root.resolve(e.path()));
        }
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot create directories under " + root + ": " + e.getMessage(), e);
    }
    // The plan: every chunk of every selected file, by pack and offset, so that each pack is
    // opened once and read front to back, and a chunk several files share is read and verified once.
    Map<BlobId, List<Target>> targets = new HashMap<>();
    Map<String, List<BlobLocation>> byPack = new TreeMap<>();
    List<FileJob> empty = new ArrayList<>();
    for (Snapshot.FileEntry e : selected) {
      if (!e.kind().equals("file")) {
        continue;
      }
      List<BlobLocation> locs = new ArrayList<>(e.chunks().size());
      String bad = null;
      long sum = 0;
      for (String c : e.chunks()) {
        BlobId id = BlobId.parse(c);
        BlobLocation loc = index.get(id);
        if (loc == null) {
          bad = "chunk " + id + " is in no index (its pack or index is lost)";
          break;
        }
        locs.add(loc);
        sum += loc.rawLength();
      }
      if (bad == null && sum != e.size()) {
        bad = "its chunks hold " + sum + " bytes vs " + e.size() + " recorded";
      }
      if (bad != null) {
        failures.add(e.path() + ": " + bad);
        files.incrementAndGet();
        continue;
      }
      FileJob job = new FileJob(e, root.resolve(e.path()), locs.size());
      if (locs.isEmpty()) {
        empty.add(job);
        continue;
      }
      long off = 0;
      for (BlobLocation loc : locs) {
        List<Target> t = targets.get(loc.id());
        if (t == null) {
          t = new ArrayList<>(1);
          targets.put(loc.id(), t);
          byPack.computeIfAbsent(loc.pack(), k -> new ArrayList<>()).add(loc);
        }
        t.add(new Target(job, off));
        off += loc.rawLength();
      }
    }
    Runnable progress = () -> {
      synchronized (listener) {
        listener.onProgress(new Progress("restore", bytes.get(), total, "bytes", started, false, files.get() + " files"));
      }
    };
    for (FileJob job : empty) {
      try {
        job.open().close();
      } catch (IOException ex) {
        job.fail("cannot write " + job.tmp + ": " + ex.getMessage());
      }
      finish(job, failures, files, progress);
    }
    // each worker reuses one set of read buffers: a blob is written to its files before the next is read
    ThreadLocal<Sealer.Buffers> buffers = ThreadLocal.withInitial(Sealer.Buffers::new);
    AtomicInteger tid = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(ctx.threads(), r -> new Thread(r, "dataprotection-restore-" + tid.incrementAndGet()));
    try {
      List<Future<?>> work = new ArrayList<>();
      for (Map.Entry<String, List<BlobLocation>> p : byPack.entrySet()) {
        List<BlobLocation> locs = p.getValue();
        locs.sort(Comparator.comparingLong(BlobLocation::offset));
        int from = 0;
        long acc = 0;
        for (int i = 0; i < locs.size(); i++) {
          acc += locs.get(i).storedLength();
          if (acc >= TASK_BYTES || i == locs.size() - 1) {
            List<BlobLocation> seg = locs.subList(from, i + 1);
            work.add(pool.submit(() -> readSegment(ctx, p.getKey(), seg, targets, bytes, failures, files, progress,
                buffers.get())));
            from = i + 1;
            acc = 0;
          }
        }
      }
      for (Future<?> f : work) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "the restore was interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw DwException.internal("a restore worker failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    long links = 0;
    for (Snapshot.FileEntry e : selected) {
      if (e.kind().equals("symlink")) {
        Path p = root.resolve(e.path());
        try {
          Files.deleteIfExists(p);
          Files.createSymbolicLink(p, Path.of(e.target()));
          setTimes(p, e.mtime(), true);
          links++;
        } catch (IOException | UnsupportedOperationException ex) {
          failures.add(e.path() + ": cannot create the symbolic link: " + ex.getMessage());
        }
      }
    }
    long dirs = 0;
    for (int i = selected.size() - 1; i >= 0; i--) {
      Snapshot.FileEntry e = selected.get(i);
      if (e.kind().equals("dir")) {
        Path p = root.resolve(e.path());
        try {
          setMode(p, e.mode());
          setTimes(p, e.mtime(), false);
          dirs++;
        } catch (IOException ex) {
          failures.add(e.path() + ": cannot set mode and times: " + ex.getMessage());
        }
      }
    }
    listener.onProgress(new Progress("restore", bytes.get(), total, "bytes", started, true, files.get() + " files"));
    List<String> sorted = new ArrayList<>(failures);
    Collections.sort(sorted);
    return new RestoreResult(snap.id(), root.toString(), files.get() - countFileFailures(sorted, selected), dirs, links, bytes.get(), sorted);
  }

  private static long countFileFailures(List<String> failures, List<Snapshot.FileEntry> selected) {
    Set<String> filePaths = new java.util.HashSet<>();
    for (Snapshot.FileEntry e : selected) {
      if (e.kind().equals("file")) {
        filePaths.add(e.path());
      }
    }
    return failures.stream().filter(f -> filePaths.contains(f.substring(0, Math.max(0, f.indexOf(": "))))).count();
  }

  /** Maps an original absolute path (under a source) to a snapshot path; strips slashes otherwise. */
  static String mapInclude(Snapshot snap, String include) {
    String i = include.replace('\\', '/');
    for (String src : snap.paths()) {
      if (i.equals(src) || i.startsWith(src + "/")) {
        return Path.of(src).getFileName() + i.substring(src.length());
      }
    }
    while (i.startsWith("/")) {
      i = i.substring(1);
    }
    while (i.endsWith("/")) {
      i = i.substring(0, i.length() - 1);
    }
    if (i.isEmpty()) {
      throw DwException.invalidArgument("an empty --path selects nothing; leave it out to restore everything");
    }
    return i;
  }

  /**
   * Reads the blobs {@code seg} (ascending offsets) from one pack, verifies each (GCM tag, length,
   * HMAC against its id) and writes it into every file that needs it; a blob that does not verify
   * fails those files.
   */
  private static void readSegment(RepoContext ctx, String pack, List<BlobLocation> seg, Map<BlobId, List<Target>> targets,
      AtomicLong bytes, List<String> failures, AtomicLong files, Runnable progress, Sealer.Buffers buffers) {
    Path file = ctx.layout().pack(pack);
    FileChannel ch = null;
    String packError = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      packError = "pack " + pack + " is missing (" + file + "), blob ";
    } catch (IOException e) {
      packError = "cannot read " + file + ": " + e.getMessage() + ", blob ";
    }
    try {
      for (BlobLocation loc : seg) {
        List<Target> ts = targets.get(loc.id());
        String err = packError == null ? null : packError + loc.id() + " cannot be read";
        byte[] plain = null;
        if (err == null && ts.stream().anyMatch(t -> t.job().failure == null)) {
          try {
            plain = ctx.sealer().openInto(loc, Packs.readStored(ch, file, loc, buffers.stored(loc.storedLength())),
                loc.storedLength(), buffers);
          } catch (DwException ex) {
            err = ex.getMessage();
          } catch (IOException ex) {
            err = "cannot read " + file + ": " + ex.getMessage();
          }
        }
        for (Target t : ts) {
          FileJob job = t.job();
          if (err != null) {
            job.fail(err);
          } else if (plain != null && job.failure == null) {
            try (FileChannel out = job.open()) {
              AtomicFiles.writeFully(out, ByteBuffer.wrap(plain, 0, loc.rawLength()), t.offset());
              bytes.addAndGet(loc.rawLength());
            } catch (IOException ex) {
              job.fail("cannot write " + job.tmp + ": " + ex.getMessage());
            }
          }
          if (job.remaining.decrementAndGet() == 0) {
            finish(job, failures, files, progress);
          }
        }
      }
    } finally {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException e) {
          // read only: nothing is lost
        }
      }
    }
  }

  /**
   * Completes a file once all its chunks are written: checks its size, sets mode and times and
   * renames it into place; a failed file's temporary file is deleted and the failure reported.
   */
  private static void finish(FileJob job, List<String> failures, AtomicLong files, Runnable progress) {
    Snapshot.FileEntry e = job.entry;
    if (job.failure == null) {
      try {
        long size = Files.size(job.tmp);
        if (size != e.size()) {
          job.fail("restored " + size + " bytes vs " + e.size() + " recorded");
        } else {
          setMode(job.tmp, e.mode());
          setTimes(job.tmp, e.mtime(), false);
          Files.move(job.tmp, job.dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
      } catch (IOException ex) {
        job.fail("cannot finish " + job.tmp + ": " + ex.getMessage());
      }
    }
    if (job.failure != null) {
      failures.add(e.path() + ": " + job.failure);
      if (job.created()) {
        try {
          Files.deleteIfExists(job.tmp);
        } catch (IOException ex) {
          // a leftover temporary file under the target; its name marks it as such
        }
      }
    }
    files.incrementAndGet();
    progress.run();
  }

  static void setMode(Path p, int mode) throws IOException {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all = PosixFilePermission.values();
    for (int i = 0; i < 9; i++) {
      if ((mode & (1 << (8 - i))) != 0) {
        perms.add(all[i]);
      }
    }
    try {
      Files.setPosixFilePermissions(p, perms);
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: modes cannot be restored there
    }
  }

  static void setTimes(Path p, Instant mtime, boolean noFollow) throws IOException {
    BasicFileAttributeView v = noFollow
        ? Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        : Files.getFileAttributeView(p, BasicFileAttributeView.class);
    v.setTimes(FileTime.from(mtime), null, null);
  }
}
