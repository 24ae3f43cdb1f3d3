package io.datawarehouse.raid.internal.array;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Runs the per-disk parts of one request concurrently, as md issues a request's member I/O in
 * parallel: the caller and up to {@code threads - 1} helper threads (one pool shared by every
 * array of the JVM, daemon threads that end after 30 s idle) take the parts in turn until none
 * is left.
 *
 * <p>{@link #run} returns only when every part has finished (no part still touches the caller's
 * buffers), whether parts failed or the caller was interrupted (the interrupt is kept). A helper
 * still queued when the caller has run out of parts is cancelled rather than waited for, so a busy
 * pool never delays a request: its parts are then done on the caller thread. Parts must report
 * I/O outcomes through their own result slots; an unchecked exception or error of a part is
 * rethrown by {@code run} after all parts are done (the others suppressed into it).
 *
 * <p>Threads: {@code -Ddw.raid.ioThreads=N} (per request, the caller included; default the number
 * of processors, at most 8; 1 runs every part on the caller).
 */
final class DiskFanOut {
  /** Threads per request, the caller included. */
  static final int THREADS = Math.max(1, Integer.getInteger("dw.raid.ioThreads", Math.min(8, Runtime.getRuntime().availableProcessors())));

  private static final AtomicInteger THREAD_IDS = new AtomicInteger();
  private static volatile ThreadPoolExecutor pool;

  private DiskFanOut() {}

  private static ThreadPoolExecutor pool() {
    ThreadPoolExecutor p = pool;
    if (p == null) {
      synchronized (DiskFanOut.class) {
        p = pool;
        if (p == null) {
          int helpers = THREADS - 1;
          p = new ThreadPoolExecutor(helpers, helpers, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "dw-raid-io-" + THREAD_IDS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
          p.allowCoreThreadTimeOut(true);
          pool = p;
        }
      }
    }
    return p;
  }

  /** Runs {@code part.accept(i)} for every {@code i} in {@code [0, parts)}, see the class comment. */
  static void run(int parts, IntConsumer part) {
    int helpers = Math.min(parts - 1, THREADS - 1);
    if (helpers <= 0) {
      for (int i = 0; i < parts; i++) {
        part.accept(i);
      }
      return;
    }
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Helper[] hs = new Helper[helpers];
    ThreadPoolExecutor p = pool();
    for (int h = 0; h < helpers; h++) {
      hs[h] = new Helper(next, parts, part, failure);
      try {
        p.execute(hs[h]);
      } catch (RejectedExecutionException e) {
        hs[h].tryCancel(); // never ran: the caller takes its share
      }
    }
    drain(next, parts, part, failure);
    boolean interrupted = false;
    for (Helper h : hs) {
      if (!h.tryCancel()) {
        interrupted |= h.awaitUninterruptibly();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable t = failure.get();
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t instanceof Error err) {
      throw err;
    }
  }

  private static void drain(AtomicInteger next, int parts, IntConsumer part, AtomicReference<Throwable> failure) {
    for (int i = next.getAndIncrement(); i < parts; i = next.getAndIncrement()) {
      try {
        part.accept(i);
      } catch (Throwable t) {
        if (!failure.compareAndSet(null, t)) {
          failure.get().addSuppressed(t);
        }
      }
    }
  }

  private static final class Helper implements Runnable {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int CANCELLED = 2;

    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicInteger next;
    private final int parts;
    private final IntConsumer part;
    private final AtomicReference<Throwable> failure;

    Helper(AtomicInteger next, int parts, IntConsumer part, AtomicReference<Throwable> failure) {
      this.next = next;
      this.parts = parts;
      this.part = part;
      this.failure = failure;
    }

    @Override
    public void run() {
      if (!state.compareAndSet(QUEUED, RUNNING)) {
        return;
      }
      try {
        drain(next, parts, part, failure);
      } finally {
        done.countDown();
      }
    }

    /** True when the helper had not started and now never will. */
    boolean tryCancel() {
      return state.compareAndSet(QUEUED, CANCELLED);
    }

    /** Waits until the running helper is done; true when the caller was interrupted meanwhile. */
    boolean awaitUninterruptibly() {
      boolean interrupted = false;
      while (true) {
        try {
          done.await();
          return interrupted;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
  }
}
