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
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restores a snapshot, or the entries under some of its paths, into a target directory: files on
 * {@code threads} worker threads, each written under a temporary name from blobs that are each
 * verified (GCM tag, length, HMAC of the plaintext against the chunk id) and renamed into place
 * only when complete; then modes and modification times, directories last (deepest first) so
 * that writing their content does not change them. A file that cannot be restored exactly is not
 * left behind under its name; every such failure is reported by path.
 */
public final class RestoreRun {
  /** Bytes of verified plaintext kept for chunks that repeat (within a file or across files). */
  private static final long BLOB_CACHE_BYTES = 64L << 20;

  private RestoreRun() {}

  /**
   * A small LRU of verified chunk plaintexts, so content that repeats (a VM image's blocks,
   * duplicated files) is read and verified once. Entries are never modified after they are put.
   */
  private static final class BlobCache {
    private final long max;
    private long size;
    private final java.util.LinkedHashMap<BlobId, byte[]> map = new java.util.LinkedHashMap<>(64, 0.75f, true);

    BlobCache(long max) {
      this.max = max;
    }

    synchronized byte[] get(BlobId id) {
      return map.get(id);
    }

    synchronized void put(BlobId id, byte[] plain) {
      if (plain.length > max / 4 || map.containsKey(id)) {
        return;
      }
      map.put(id, plain);
      size += plain.length;
      var it = map.entrySet().iterator();
      while (size > max && it.hasNext()) {
        size -= it.next().getValue().length;
        it.remove();
      }
    }
  }

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
    BlobCache cache = new BlobCache(BLOB_CACHE_BYTES);
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
    AtomicInteger tid = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(ctx.threads(), r -> new Thread(r, "dataprotection-restore-" + tid.incrementAndGet()));
    try {
      List<Future<?>> work = new ArrayList<>();
      for (Snapshot.FileEntry e : selected) {
        if (!e.kind().equals("file")) {
          continue;
        }
        work.add(pool.submit(() -> {
          try {
            restoreFile(ctx, index, cache, e, root.resolve(e.path()), bytes);
          } catch (DwException | IOException ex) {
            failures.add(e.path() + ": " + ex.getMessage());
          }
          long f = files.incrementAndGet();
          synchronized (listener) {
            listener.onProgress(new Progress("restore", bytes.get(), total, "bytes", started, false, f + " files"));
          }
        }));
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

  private static void restoreFile(RepoContext ctx, RepoIndex index, BlobCache cache, Snapshot.FileEntry e, Path dest,
      AtomicLong bytes)
      throws IOException {
    Path tmp = dest.resolveSibling(AtomicFiles.TEMP_PREFIX + dest.getFileName());
    boolean done = false;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      long written = 0;
      for (String c : e.chunks()) {
        BlobId id = BlobId.parse(c);
        BlobLocation loc = index.get(id);
        if (loc == null) {
          throw DwException.integrity("chunk " + id + " is in no index (its pack or index is lost)");
        }
        byte[] plain = cache.get(id);
        if (plain == null) {
          plain = ctx.sealer().open(loc, Packs.readStored(ctx.layout(), loc));
          cache.put(id, plain);
        }
        ByteBuffer b = ByteBuffer.wrap(plain);
        while (b.hasRemaining()) {
          written += ch.write(b);
        }
        bytes.addAndGet(plain.length);
      }
      if (written != e.size()) {
        throw DwException.integrity("restored " + written + " bytes vs " + e.size() + " recorded");
      }
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(tmp);
      }
    }
    setMode(tmp, e.mode());
    setTimes(tmp, e.mtime(), false);
    Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
