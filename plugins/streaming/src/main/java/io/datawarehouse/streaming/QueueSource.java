package io.datawarehouse.streaming;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A source fed by other threads through a bounded queue: the push sources (a bus subscription)
 * put records in, the pipeline's task polls them out. When the queue is full, {@link #put} waits
 * for room: that is the pipeline's backpressure, and the time spent waiting shows in its metrics.
 *
 * <p>Not seekable: its position counts the records polled, and a restarted pipeline resumes with
 * what arrives next. Thread-safe.
 *
 * @param <T> the record type
 */
public final class QueueSource<T> implements Source<T> {
  private final int capacity;
  private final ArrayDeque<Object> queue;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final AtomicLong backpressureNanos = new AtomicLong();
  private long polled;
  private boolean ended;

  /** What {@link SourceCollector#reject} gets: a payload that did not decode. */
  private record Rejected(byte[] payload, String problem) {}

  QueueSource(int capacity) {
    if (capacity < 1) {
      throw DwException.invalidArgument("queue capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
    this.queue = new ArrayDeque<>(Math.min(capacity, 1 << 16));
  }

  /**
   * Adds a record, waiting up to {@code timeout} for room.
   *
   * @throws DwException RESOURCE_EXHAUSTED when the queue stayed full for {@code timeout},
   *     FAILED_PRECONDITION after {@link #end()}, CANCELLED when interrupted
   */
  public void put(T record, Duration timeout) {
    enqueue(record, timeout);
  }

  /** Adds a payload that could not be decoded; the pipeline sends it to the dead letters. */
  public void reject(byte[] payload, String problem, Duration timeout) {
    enqueue(new Rejected(payload, problem), timeout);
  }

  private void enqueue(Object item, Duration timeout) {
    long waitStart = 0;
    lock.lock();
    try {
      long nanos = timeout.toNanos();
      while (queue.size() >= capacity && !ended) {
        if (waitStart == 0) {
          waitStart = System.nanoTime();
        }
        if (nanos <= 0) {
          throw DwException.of(ErrorCode.RESOURCE_EXHAUSTED, "the pipeline's input queue stayed full ("
              + capacity + " records) for " + timeout + ": the pipeline is slower than its input");
        }
        nanos = notFull.awaitNanos(nanos);
      }
      if (ended) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "the pipeline's input has ended; no more records are taken");
      }
      queue.addLast(item);
      notEmpty.signal();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "interrupted waiting for room in the pipeline's input queue", e);
    } finally {
      lock.unlock();
      if (waitStart != 0) {
        backpressureNanos.addAndGet(System.nanoTime() - waitStart);
      }
    }
  }

  /** No more records: once the queue is drained the source ends. */
  public void end() {
    lock.lock();
    try {
      ended = true;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Records waiting. */
  public int size() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  public int capacity() {
    return capacity;
  }

  @Override
  public long backpressureNanos() {
    return backpressureNanos.get();
  }

  @Override
  @SuppressWarnings("unchecked")
  public int poll(int max, Duration wait, SourceCollector<T> out) throws InterruptedException {
    Object[] batch;
    lock.lock();
    try {
      long nanos = wait.toNanos();
      while (queue.isEmpty()) {
        if (ended) {
          return END;
        }
        if (nanos <= 0) {
          return 0;
        }
        nanos = notEmpty.awaitNanos(nanos);
      }
      int n = Math.min(max, queue.size());
      batch = new Object[n];
      for (int i = 0; i < n; i++) {
        batch[i] = queue.pollFirst();
      }
      polled += n;
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
    // hand over outside the lock: producers keep filling while the task works
    for (Object o : batch) {
      if (o instanceof Rejected r) {
        out.reject(r.payload(), r.problem());
      } else {
        out.accept((T) o);
      }
    }
    return batch.length;
  }

  @Override
  public long position() {
    lock.lock();
    try {
      return polled;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean seekable() {
    return false;
  }

  @Override
  public void seek(long position) {
    throw DwException.unsupported("a queue source cannot seek: its records are gone once polled");
  }

  /** Ends the source; producers waiting for room fail. */
  @Override
  public void close() {
    end();
  }
}
