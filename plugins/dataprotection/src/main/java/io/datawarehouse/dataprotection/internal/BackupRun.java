package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.dataprotection.BackupType;
import io.datawarehouse.dataprotection.Snapshot;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backup run: a pipeline over both cores.
 *
 * <pre>
 *   caller thread:   scan the tree (stat only) -> for each changed file: read, FastCDC-cut
 *                      |  bounded: at most 3 x threads chunks in flight (a semaphore)
 *   worker threads:  HMAC id -> known? done : zstd -> AES-GCM -> pack writer (short lock)
 *   the worker that fills a pack finishes it: trailer, force, rename; every 32 packs an index file
 * </pre>
 * Memory: the read buffer (2 x max chunk), the chunks in flight, the blob index and the file
 * list of the new and the parent snapshot; never a whole file. Files whose size, mtime and inode
 * equal the parent's entry (and whose chunks are all indexed) are taken over without reading.
 *
 * <p>Crash safety: packs and index files appear only complete; the snapshot is written last. A
 * run that dies leaves at most temporary files and packs no index names, which validate reports
 * as leftovers and prune removes.
 */
public final class BackupRun {
  private static final Logger LOG = LoggerFactory.getLogger(BackupRun.class);
  private static final long LOCK_REFRESH_NANOS = 600_000_000_000L;
  /** Size of a pooled chunk buffer: twice the average chunk holds most chunks (normalized chunking). */
  private static final int POOLED_MAX = 2 * FastCdc.DEFAULT_AVG;
  /** An incremental run that reads less than this does not start the crypto warm-up. */
  private static final long WARMUP_WORTH_IT = 256L << 20;

  private final RepoContext ctx;
  private final RepoIndex index;
  private final RepoLock lock;
  private final Progress.Listener listener;
  private final Set<BlobId> inFlight = ConcurrentHashMap.newKeySet();
  private final Map<String, List<BlobLocation>> pendingIndex = new LinkedHashMap<>();
  private final AtomicLong blobsNew = new AtomicLong();
  private final AtomicLong blobsDedup = new AtomicLong();
  private final AtomicLong bytesStored = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  /**
   * Chunk buffers going from the reading thread to the workers and back, so that a backup does not
   * allocate one array per chunk; at most the in-flight chunks (bounded by the permits) plus one
   * are out or pooled. Chunks larger than {@link #POOLED_MAX} get an array of their own.
   */
  private final ConcurrentLinkedQueue<byte[]> chunkPool = new ConcurrentLinkedQueue<>();

  private BackupRun(RepoContext ctx, RepoIndex index, RepoLock lock, Progress.Listener listener) {
    this.ctx = ctx;
    this.index = index;
    this.lock = lock;
    this.listener = listener;
  }

  /** A scanned entry: where it is and its attributes. */
  private record Node(Path abs, String rel, String kind, long size, int mode, Instant mtime, long inode, String target) {}

  /** A file entry whose chunks are still being processed. */
  private record Pending(Node node, List<CompletableFuture<BlobId>> chunks, long size) {}

  /**
   * Backs up {@code sources}.
   *
   * @param lock the shared lock the caller holds (refreshed during long runs)
   * @return the new snapshot
   */
  public static Snapshot run(RepoContext ctx, RepoIndex index, RepoLock lock, List<Path> sources, BackupType type,
      List<String> tags, Progress.Listener listener) {
    return new BackupRun(ctx, index, lock, listener).run(sources, type, tags);
  }

  /** Absolute, normalized sources; INVALID_ARGUMENT when one is missing or two share a name. */
  public static List<Path> normalize(List<Path> sources) {
    if (sources.isEmpty()) {
      throw DwException.invalidArgument("give at least one path to back up");
    }
    List<Path> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Path p : sources) {
      Path a = p.toAbsolutePath().normalize();
      if (!Files.exists(a, LinkOption.NOFOLLOW_LINKS)) {
        throw DwException.invalidArgument("cannot back up " + a + ": it does not exist");
      }
      if (a.getFileName() == null) {
        throw DwException.invalidArgument("cannot back up the file system root " + a + "; name its directories");
      }
      if (!names.add(a.getFileName().toString())) {
        throw DwException.invalidArgument("two sources are named '" + a.getFileName() + "'; a snapshot keeps each source"
            + " under its name, so they must differ");
      }
      out.add(a);
    }
    return out;
  }

  private Snapshot run(List<Path> rawSources, BackupType requested, List<String> tags) {
    Instant started = ctx.time().now();
    List<Path> sources = normalize(rawSources);
    List<String> paths = sources.stream().map(Path::toString).toList();
    Snapshot parent = findParent(paths, requested);
    BackupType type = parent == null ? BackupType.FULL : requested;
    if (parent == null && requested != BackupType.FULL) {
      LOG.info("no earlier {} snapshot of {}: this {} backup reads everything and is recorded as full",
          requested == BackupType.DIFFERENTIAL ? "full" : "", paths, requested.wire());
    }
    if (parent == null) {
      CryptoWarmup.start(); // a full backup reads everything: warm up while the tree is scanned
    }
    Map<String, Snapshot.FileEntry> previous = new HashMap<>();
    if (parent != null) {
      for (Snapshot.FileEntry f : parent.files()) {
        if (f.kind().equals("file")) {
          previous.put(f.path(), f);
        }
      }
    }
    List<Node> nodes = new ArrayList<>();
    for (Path s : sources) {
      scan(s, s.getFileName().toString(), nodes);
    }
    long total = 0;
    for (Node n : nodes) {
      if (n.kind().equals("file") && reusable(n, previous.get(n.rel())) == null) {
        total += n.size();
      }
    }
    if (total > WARMUP_WORTH_IT) {
      CryptoWarmup.start();
    }
    AtomicInteger tid = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(ctx.threads(),
        r -> new Thread(r, "dataprotection-backup-" + tid.incrementAndGet()));
    Semaphore permits = new Semaphore(3 * ctx.threads());
    long bytesRead = 0;
    long filesRead = 0;
    long filesUnchanged = 0;
    long bytesAll = 0;
    long files = 0;
    long dirs = 0;
    long links = 0;
    long lastRefresh = ctx.time().nanoTime();
    List<Object> entries = new ArrayList<>(nodes.size());
    try (Packs.Writer packer = new Packs.Writer(ctx.layout(), ctx.sealer(), ctx.packSize(), this::packDone)) {
      byte[] buf = new byte[2 * ctx.chunker().max()];
      for (Node n : nodes) {
        switch (n.kind()) {
          case "dir" -> {
            dirs++;
            entries.add(entry(n, n.size(), List.of()));
          }
          case "symlink" -> {
            links++;
            entries.add(entry(n, 0, List.of()));
          }
          default -> {
            files++;
            Snapshot.FileEntry same = reusable(n, previous.get(n.rel()));
            if (same != null) {
              filesUnchanged++;
              bytesAll += n.size();
              entries.add(entry(n, n.size(), same.chunks()));
              continue;
            }
            List<CompletableFuture<BlobId>> chunks = new ArrayList<>();
            long size = 0;
            try (FileChannel ch = FileChannel.open(n.abs(), StandardOpenOption.READ)) {
              int start = 0;
              int end = 0;
              boolean eof = false;
              while (true) {
                if (!eof && end - start < ctx.chunker().max()) {
                  System.arraycopy(buf, start, buf, 0, end - start);
                  end -= start;
                  start = 0;
                  while (end < buf.length) {
                    int r = ch.read(ByteBuffer.wrap(buf, end, buf.length - end));
                    if (r < 0) {
                      eof = true;
                      break;
                    }
                    end += r;
                  }
                }
                if (start == end) {
                  break;
                }
                int len = ctx.chunker().cut(buf, start, end - start);
                byte[] chunk = chunkBuffer(len);
                System.arraycopy(buf, start, chunk, 0, len);
                int chunkLength = len;
                start += len;
                size += len;
                bytesRead += len;
                checkFailure();
                permits.acquire();
                CompletableFuture<BlobId> f = CompletableFuture.supplyAsync(() -> {
                  try {
                    return process(chunk, chunkLength, packer);
                  } finally {
                    recycle(chunk);
                  }
                }, pool);
                f.whenComplete((id, ex) -> {
                  permits.release();
                  if (ex != null) {
                    failure.compareAndSet(null, ex instanceof CompletionException c && c.getCause() != null ? c.getCause() : ex);
                  }
                });
                chunks.add(f);
                listener.onProgress(new Progress("backup", bytesRead, total, "bytes", started, false,
                    filesRead + " files read, " + filesUnchanged + " unchanged"));
              }
            } catch (NoSuchFileException e) {
              LOG.warn("{} vanished during the backup; it is not in the snapshot", n.abs());
              files--;
              continue;
            } catch (IOException e) {
              throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read " + n.abs() + ": " + e.getMessage(), e);
            }
            filesRead++;
            bytesAll += size;
            entries.add(new Pending(n, chunks, size));
          }
        }
        if (ctx.time().nanoTime() - lastRefresh > LOCK_REFRESH_NANOS) {
          lock.refresh();
          lastRefresh = ctx.time().nanoTime();
        }
      }
      List<Snapshot.FileEntry> out = new ArrayList<>(entries.size());
      for (Object o : entries) {
        if (o instanceof Pending p) {
          List<String> ids = new ArrayList<>(p.chunks().size());
          for (CompletableFuture<BlobId> f : p.chunks()) {
            ids.add(join(f).hex());
          }
          out.add(entry(p.node(), p.size(), ids));
        } else {
          out.add((Snapshot.FileEntry) o);
        }
      }
      checkFailure();
      packer.flush();
      flushIndex(true);
      Snapshot.Stats stats = new Snapshot.Stats(files, dirs, links, bytesAll, filesRead, filesUnchanged, bytesRead,
          blobsNew.get(), blobsDedup.get(), bytesStored.get());
      Snapshot snap = new Snapshot(Snapshot.VERSION, RepoLayout.newName(), started, type.wire(),
          parent == null ? null : parent.id(), paths, RepoLock.hostName(), tags, stats, out);
      ctx.writeSnapshot(snap);
      listener.onProgress(new Progress("backup", bytesRead, total, "bytes", started, true,
          filesRead + " files read, " + filesUnchanged + " unchanged"));
      return snap;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "the backup was interrupted", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private BlobId join(CompletableFuture<BlobId> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      if (c instanceof DwException d) {
        throw d;
      }
      throw DwException.internal("a backup worker failed: " + c, c);
    }
  }

  private void checkFailure() {
    Throwable t = failure.get();
    if (t != null) {
      if (t instanceof DwException d) {
        throw d;
      }
      throw DwException.internal("a backup worker failed: " + t, t);
    }
  }

  /** A buffer for a chunk of {@code len} bytes: a pooled one when it fits. */
  private byte[] chunkBuffer(int len) {
    if (len <= POOLED_MAX) {
      byte[] b = chunkPool.poll();
      return b != null ? b : new byte[POOLED_MAX];
    }
    return new byte[len];
  }

  private void recycle(byte[] chunk) {
    if (chunk.length == POOLED_MAX) {
      chunkPool.offer(chunk);
    }
  }

  /** Stores {@code chunk[0 .. len)} unless the repository has it; returns its id. */
  private BlobId process(byte[] chunk, int len, Packs.Writer packer) {
    BlobId id = ctx.sealer().id(chunk, 0, len);
    if (index.contains(id) || !inFlight.add(id)) {
      blobsDedup.incrementAndGet();
      return id;
    }
    Sealer.SealedBlob sealed = ctx.sealer().sealReusing(id, chunk, len); // this thread's buffer, written by add()
    packer.add(id, sealed, len);
    blobsNew.incrementAndGet();
    bytesStored.addAndGet(sealed.length());
    return id;
  }

  private void packDone(List<BlobLocation> entries) {
    synchronized (pendingIndex) {
      pendingIndex.put(entries.get(0).pack(), entries);
    }
    flushIndex(false);
  }

  private void flushIndex(boolean all) {
    Map<String, List<BlobLocation>> batch;
    synchronized (pendingIndex) {
      if (pendingIndex.isEmpty() || (!all && pendingIndex.size() < RepoIndex.PACKS_PER_FILE)) {
        return;
      }
      batch = new LinkedHashMap<>(pendingIndex);
      pendingIndex.clear();
    }
    String name = RepoIndex.write(ctx.layout(), ctx.sealer(), batch);
    for (List<BlobLocation> l : batch.values()) {
      index.addAll(l, name);
    }
  }

  /**
   * The latest snapshot of the same sources that may be the parent. Every snapshot file is read
   * and verified, but only the parent's file list is decoded.
   */
  private Snapshot findParent(List<String> paths, BackupType type) {
    if (type == BackupType.FULL) {
      return null;
    }
    return ctx.latestSnapshot(s -> s.paths().equals(paths) && (type == BackupType.INCREMENTAL || s.type().equals("full")));
  }

  private Snapshot.FileEntry reusable(Node n, Snapshot.FileEntry prev) {
    if (prev == null || prev.size() != n.size() || !prev.mtime().equals(n.mtime()) || prev.inode() != n.inode()) {
      return null;
    }
    for (String c : prev.chunks()) {
      if (!index.contains(BlobId.parse(c))) {
        return null;
      }
    }
    return prev;
  }

  private static Snapshot.FileEntry entry(Node n, long size, List<String> chunks) {
    return new Snapshot.FileEntry(n.rel(), n.kind(), n.kind().equals("file") ? size : 0, n.mode(), n.mtime(), n.inode(),
        n.target(), chunks);
  }

  private static void scan(Path p, String rel, List<Node> out) {
    Map<String, Object> a;
    try {
      a = Files.readAttributes(p, "unix:mode,ino,size,lastModifiedTime,isDirectory,isSymbolicLink,isRegularFile",
          LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      a = basic(p);
    } catch (NoSuchFileException e) {
      LOG.warn("{} vanished during the scan; it is not in the snapshot", p);
      return;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read the attributes of " + p + ": " + e.getMessage(), e);
    }
    int mode = ((Number) a.getOrDefault("mode", 0644)).intValue() & 07777;
    long ino = ((Number) a.getOrDefault("ino", 0L)).longValue();
    Instant mtime = ((FileTime) a.get("lastModifiedTime")).toInstant();
    if (Boolean.TRUE.equals(a.get("isSymbolicLink"))) {
      try {
        out.add(new Node(p, rel, "symlink", 0, mode, mtime, ino, Files.readSymbolicLink(p).toString()));
      } catch (IOException e) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read the link " + p + ": " + e.getMessage(), e);
      }
    } else if (Boolean.TRUE.equals(a.get("isDirectory"))) {
      out.add(new Node(p, rel, "dir", 0, mode, mtime, ino, null));
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
        ds.forEach(children::add);
      } catch (IOException e) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "cannot list " + p + ": " + e.getMessage(), e);
      }
      children.sort((x, y) -> x.getFileName().toString().compareTo(y.getFileName().toString()));
      for (Path c : children) {
        scan(c, rel + "/" + c.getFileName(), out);
      }
    } else if (Boolean.TRUE.equals(a.get("isRegularFile"))) {
      out.add(new Node(p, rel, "file", ((Number) a.get("size")).longValue(), mode, mtime, ino, null));
    } else {
      LOG.warn("skipping {}: not a regular file, directory or symbolic link", p);
    }
  }

  private static Map<String, Object> basic(Path p) {
    try {
      Map<String, Object> a = new HashMap<>(Files.readAttributes(p, "size,lastModifiedTime,isDirectory,isSymbolicLink,isRegularFile",
          LinkOption.NOFOLLOW_LINKS));
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        int m = 0;
        for (PosixFilePermission x : perms) {
          m |= 1 << (8 - x.ordinal());
        }
        a.put("mode", m);
      } catch (UnsupportedOperationException e) {
        a.put("mode", Boolean.TRUE.equals(a.get("isDirectory")) ? 0755 : 0644);
      }
      return a;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read the attributes of " + p + ": " + e.getMessage(), e);
    }
  }
}
