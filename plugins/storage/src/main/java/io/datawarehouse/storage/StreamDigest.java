package io.datawarehouse.storage;

import java.security.MessageDigest;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The SHA-256 and length of a stream's bytes, fed in order by one thread. The first
 * {@link #INLINE_LIMIT} bytes are hashed on the calling thread; past that, on a machine with more
 * than one core, the hashing moves to a pool thread fed with 256 KiB copies, so that hashing a large
 * object runs beside the I/O that moves it instead of after it (SHA-256 runs at about 1-2 GB/s, a
 * page-cache read or a loopback socket at several). At most {@link #IN_FLIGHT} blocks wait for
 * the hasher (so a stream holds at most 1.25 MiB of copies); a faster feeder then waits for it. {@code -Ddw.storage.inlineSha256=true} keeps all
 * hashing on the calling thread. Not thread-safe (one feeder).
 */
final class StreamDigest {
  static final int INLINE_LIMIT = 2 << 20;
  static final int BLOCK = 256 << 10;
  static final int IN_FLIGHT = 4;

  private static final boolean OFFLOAD = Runtime.getRuntime().availableProcessors() > 1
      && !Boolean.getBoolean("dw.storage.inlineSha256");

  private final MessageDigest sha = HashingInputStream.sha256();
  private final boolean offload;
  private long count;
  private byte[] block;
  private int fill;
  private Semaphore permits;
  private ConcurrentLinkedQueue<byte[]> free;
  private CompletableFuture<Void> tail;
  private byte[] result;

  StreamDigest() {
    this(OFFLOAD);
  }

  /** @param offload whether bytes past {@link #INLINE_LIMIT} may be hashed on a pool thread */
  StreamDigest(boolean offload) {
    this.offload = offload;
  }

  void update(byte b) {
    if (result == null && block == null && (!offload || count < INLINE_LIMIT)) {
      sha.update(b);
      count++;
    } else {
      update(new byte[] {b}, 0, 1);
    }
  }

  void update(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    if (result != null) {
      throw new IllegalStateException("digest already taken");
    }
    if (block == null && (!offload || count + len <= INLINE_LIMIT)) {
      sha.update(b, off, len);
      count += len;
      return;
    }
    if (block == null) {
      permits = new Semaphore(IN_FLIGHT);
      free = new ConcurrentLinkedQueue<>();
      tail = CompletableFuture.completedFuture(null);
      block = new byte[BLOCK];
    }
    count += len;
    while (len > 0) {
      int n = Math.min(len, BLOCK - fill);
      System.arraycopy(b, off, block, fill, n);
      fill += n;
      off += n;
      len -= n;
      if (fill == BLOCK) {
        submit();
      }
    }
  }

  /** Bytes fed so far. */
  long count() {
    return count;
  }

  /** The SHA-256 of everything fed; waits for the hasher. Further updates are refused. */
  byte[] digest() {
    if (result == null) {
      if (block != null) {
        if (fill > 0) {
          submit();
        }
        try {
          tail.join();
        } catch (CompletionException e) {
          throw new IllegalStateException("SHA-256 of the stream failed", e.getCause());
        }
        block = null;
      }
      result = sha.digest();
    }
    return result.clone();
  }

  private void submit() {
    byte[] b = block;
    int n = fill;
    permits.acquireUninterruptibly();
    // handleAsync runs even after a failed stage, so every permit comes back and a failure ends
    // in digest() instead of a feeder waiting for ever
    tail = tail.handleAsync((ignored, failure) -> {
      try {
        if (failure != null) {
          throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        }
        sha.update(b, 0, n);
        free.offer(b);
        return null;
      } finally {
        permits.release();
      }
    }, Hashers.POOL);
    byte[] next = free.poll();
    block = next != null ? next : new byte[BLOCK];
    fill = 0;
  }

  /** Daemon hashing threads, one per core at most, that end after a minute idle. */
  private static final class Hashers {
    private static final AtomicInteger IDS = new AtomicInteger();
    static final ThreadPoolExecutor POOL = pool();

    private static ThreadPoolExecutor pool() {
      int n = Runtime.getRuntime().availableProcessors();
      ThreadPoolExecutor p = new ThreadPoolExecutor(n, n, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "dw-sha256-" + IDS.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      p.allowCoreThreadTimeOut(true);
      return p;
    }
  }
}
