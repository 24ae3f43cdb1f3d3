package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.sdk.DwException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies secondary-index changes on one background thread, in the order they were submitted, in
 * groups: the writer of a record hands over what its index entries were and are, and returns; the
 * entries follow within about a millisecond, or at once when someone {@linkplain #await waits} for
 * them. A query waits first, so it sees every change acknowledged before it started.
 *
 * <p>The queue is bounded ({@code capacity} changes, each holding only the indexed fields, never
 * the content): a writer that finds it full waits for the indexer, so sustained write throughput
 * is what both threads can do together. A failure of the indexer is final: it is kept, every later
 * {@link #check}, {@link #submit} and {@link #await} throws it, and the owner must not mark the
 * store clean (the next open rebuilds the indexes from the records).
 *
 * <p>Thread-safe.
 */
final class IndexWriter {
  private static final Logger LOG = LoggerFactory.getLogger(IndexWriter.class);
  /** Changes the indexer waits for (up to {@link #LINGER_NANOS}) before it writes a group, unless someone waits. */
  private static final int MIN_GROUP = 64;
  private static final int MAX_GROUP = 2048;
  private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** The fields of a record that its index entries are made of. */
  record Entry(MemoryTier tier, String scope, Set<String> tags, Instant expiresAt) {
    static Entry of(MemoryRecord r) {
      return r == null ? null : new Entry(r.tier(), r.scope(), r.tags(), r.expiresAt());
    }

    boolean sameIndexes(Entry o) {
      return tier == o.tier && scope.equals(o.scope) && tags.equals(o.tags) && Objects.equals(expiresAt, o.expiresAt);
    }
  }

  /** The index entries of record {@code id} go from those of {@code before} to those of {@code after} (either may be null). */
  record Change(byte[] id, Entry before, Entry after) {
    /** Whether the change leaves the index entries as they are (a rewrite of the same indexed fields). */
    boolean isNoop() {
      return before == null ? after == null : after != null && before.sameIndexes(after);
    }
  }

  /** Writes a group of changes (in order) durably enough for the owner; called on the indexer thread only. */
  interface Sink {
    void write(List<Change> group) throws Exception;
  }

  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled for the indexer: work is waiting, someone waits, or stop. */
  private final Condition work = lock.newCondition();
  /** Signalled by the indexer: a group was applied, room was made, or it failed. */
  private final Condition progress = lock.newCondition();
  private final ArrayDeque<Change> queue = new ArrayDeque<>();
  private final int capacity;
  private final Sink sink;
  private final String name;
  private final Thread thread;
  private long submitted;
  private long applied;
  private int waiting;
  private boolean indexerIdle;
  private boolean stopping;
  private volatile DwException failure;

  IndexWriter(String name, int capacity, Sink sink) {
    this.name = name;
    this.capacity = capacity;
    this.sink = sink;
    this.thread = Thread.ofPlatform().daemon().name("dw-memory-index " + name).unstarted(this::run);
    thread.start();
  }

  /** Throws the indexer's failure, if it failed. Cheap: writers call it before they write a record. */
  void check() {
    DwException f = failure;
    if (f != null) {
      throw failed(f);
    }
  }

  private DwException failed(DwException f) {
    return DwException.unavailable("the secondary indexes of " + name + " stopped being maintained (" + f.getMessage()
        + "); records written since may be missing from queries; close and reopen the store to rebuild the indexes", f);
  }

  /**
   * Queues a change (a no-op change is dropped). Call it after the record write it belongs to
   * succeeded, under the lock that orders writes of that id, so that changes to one id are queued
   * in the order they were written. Waits while the queue is full.
   */
  void submit(Change c) {
    if (c.isNoop()) {
      return;
    }
    lock.lock();
    try {
      while (queue.size() >= capacity && failure == null) {
        waiting++;
        work.signal();
        progress.awaitUninterruptibly();
        waiting--;
      }
      if (failure != null) {
        return; // the store is already marked for a rebuild at the next open; the record itself is written
      }
      queue.add(c);
      submitted++;
      if (indexerIdle && queue.size() >= MIN_GROUP) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits until every change submitted before this call has been applied. */
  void await() {
    lock.lock();
    try {
      long target = submitted;
      while (applied < target && failure == null) {
        waiting++;
        work.signal();
        progress.awaitUninterruptibly();
        waiting--;
      }
    } finally {
      lock.unlock();
    }
    check();
  }

  /** Changes submitted and not yet applied. */
  long backlog() {
    lock.lock();
    try {
      return submitted - applied;
    } finally {
      lock.unlock();
    }
  }

  /** Whether the indexer failed (its indexes are then incomplete until a rebuild). */
  boolean failed() {
    return failure != null;
  }

  /** Applies what is queued, stops the indexer thread, and returns whether every change was applied. */
  boolean stop() {
    lock.lock();
    try {
      stopping = true;
      work.signal();
    } finally {
      lock.unlock();
    }
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return failure == null;
  }

  private void run() {
    List<Change> group = new ArrayList<>(MAX_GROUP);
    while (true) {
      lock.lock();
      try {
        boolean lingered = false;
        while (queue.isEmpty() || (queue.size() < MIN_GROUP && waiting == 0 && !stopping && !lingered)) {
          if (queue.isEmpty() && stopping) {
            return;
          }
          indexerIdle = true;
          try {
            lingered = work.awaitNanos(LINGER_NANOS) <= 0 && !queue.isEmpty();
          } catch (InterruptedException e) {
            lingered = true; // nobody interrupts this thread but stop(); treat it as a nudge
          } finally {
            indexerIdle = false;
          }
        }
        while (group.size() < MAX_GROUP && !queue.isEmpty()) {
          group.add(queue.poll());
        }
        if (waiting > 0) {
          progress.signalAll(); // room for writers that wait for it
        }
      } finally {
        lock.unlock();
      }
      DwException failed = null;
      try {
        sink.write(group);
      } catch (DwException e) {
        failed = e;
      } catch (Exception e) {
        failed = DwException.internal("writing " + group.size() + " index changes: " + e, e);
      }
      lock.lock();
      try {
        if (failed != null) {
          LOG.error("memory store {}: index maintenance failed; queries are refused until the store is reopened, which rebuilds"
              + " the indexes from the records: {}", name, failed.getMessage(), failed);
          failure = failed;
          queue.clear();
          progress.signalAll();
          return;
        }
        applied += group.size();
        if (waiting > 0) {
          progress.signalAll();
        }
      } finally {
        lock.unlock();
      }
      group.clear();
    }
  }
}
