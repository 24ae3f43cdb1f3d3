package io.datawarehouse.kernel.bus;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.BusErrors;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription of the in-process bus: a bounded queue and the virtual thread that drains it.
 *
 * <p>States: ACTIVE (routed to, handled) → DRAINING (no longer routed to; queued messages are
 * handled, then the thread ends) or CLOSED (no longer routed to; queued messages are dropped and
 * counted, requests among them answered UNAVAILABLE) → TERMINATED (thread ended).
 */
final class Sub implements Subscription {
  private static final Logger LOG = LoggerFactory.getLogger(Sub.class);
  static final int ACTIVE = 0;
  static final int DRAINING = 1;
  static final int CLOSED = 2;
  static final int TERMINATED = 3;
  private static final Object WAKE = new Object();
  private static final int SPINS = 256;
  private static final int BATCH = 128;
  private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  final InProcessMessageBus bus;
  final long id;
  final String pattern;
  final String[] patternTokens;
  final String group;
  final String name;
  final int capacity;
  private final MessageHandler handler;
  private final LinkedBlockingQueue<Object> queue;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final AtomicLong deliveredCount = new AtomicLong();
  volatile int state = ACTIVE;
  volatile Thread thread;
  /** Messages taken from the queue into the consumer's batch and not yet handled. */
  private volatile int batchRemaining;
  private long lastFailureLog;
  private long failuresSinceLog;

  Sub(InProcessMessageBus bus, long id, String pattern, String group, String name, int capacity, MessageHandler handler) {
    this.bus = bus;
    this.id = id;
    this.pattern = pattern;
    this.patternTokens = pattern.split("\\.", -1);
    this.group = group;
    this.name = name;
    this.capacity = capacity;
    this.handler = handler;
    this.queue = new LinkedBlockingQueue<>(capacity);
  }

  void start() {
    thread = Thread.ofVirtual().name("dw-bus-" + name + "#" + id).start(this::run);
  }

  boolean matches(String[] topicTokens) {
    String[] p = patternTokens;
    for (int i = 0; i < p.length; i++) {
      String tok = p[i];
      if (tok.length() == 1 && tok.charAt(0) == '>') {
        return topicTokens.length > i;
      }
      if (i >= topicTokens.length) {
        return false;
      }
      if (!(tok.length() == 1 && tok.charAt(0) == '*') && !tok.equals(topicTokens[i])) {
        return false;
      }
    }
    return p.length == topicTokens.length;
  }

  // ------------------------------------------------------------------ producer side

  /** Whether nothing is queued here and the consumer holds nothing unhandled (a hint: it may change at once). */
  boolean idle() {
    return batchRemaining == 0 && queue.isEmpty();
  }

  /** Enqueues without waiting. @return true when enqueued (or when this subscription no longer takes messages and the item was not counted) */
  boolean tryOffer(Object item, PendingRequest pending) {
    if (state != ACTIVE) {
      return false;
    }
    if (pending != null) {
      pending.delivering();
    }
    if (!queue.offer(item)) {
      if (pending != null) {
        pending.notDelivered();
      }
      return false;
    }
    afterEnqueue(item, pending);
    return true;
  }

  /** Enqueues, waiting up to {@code timeout} for room. */
  void offerWaiting(Object item, PendingRequest pending, Duration timeout) {
    if (pending != null) {
      pending.delivering();
    }
    boolean ok;
    try {
      ok = queue.offer(item, timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      if (pending != null) {
        pending.notDelivered();
      }
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "interrupted while waiting for room in the queue of subscriber '" + name + "'", e);
    }
    if (!ok) {
      if (pending != null) {
        pending.notDelivered();
      }
      if (state != ACTIVE) {
        return;
      }
      throw DwException.of(ErrorCode.RESOURCE_EXHAUSTED, "subscriber '" + name + "' had its queue full (capacity "
          + capacity + ") for " + Durations.format(timeout) + "; its handler is too slow or blocked");
    }
    afterEnqueue(item, pending);
  }

  private void afterEnqueue(Object item, PendingRequest pending) {
    if (state != ACTIVE && queue.remove(item)) {
      // lost a race with unsubscribe/drain: the item was never ours to handle
      if (pending != null) {
        pending.notDelivered();
      }
    }
  }

  // ------------------------------------------------------------------ consumer side

  private void run() {
    ArrayList<Object> batch = new ArrayList<>(BATCH);
    try {
      while (true) {
        int st = state;
        if (st >= CLOSED) {
          break;
        }
        if (queue.drainTo(batch, BATCH) == 0) {
          if (st == DRAINING) {
            break;
          }
          Object first = await();
          if (first == null) {
            continue;
          }
          batch.add(first);
          queue.drainTo(batch, BATCH - 1);
        }
        int size = batch.size();
        for (int i = 0; i < size; i++) {
          batchRemaining = size - i;
          Object item = batch.get(i);
          if (state >= CLOSED) {
            drop(item);
          } else {
            handle(item);
          }
        }
        batchRemaining = 0;
        batch.clear();
      }
    } finally {
      for (Object item; (item = queue.poll()) != null; ) {
        drop(item);
      }
      state = TERMINATED;
      terminated.countDown();
    }
  }

  /** Spins briefly, then parks until something arrives. null after a wake-up without a message. */
  private Object await() {
    for (int i = 0; i < SPINS; i++) {
      Object o = queue.poll();
      if (o != null) {
        return o == WAKE ? null : o;
      }
      Thread.onSpinWait();
    }
    try {
      Object o = queue.take();
      return o == WAKE ? null : o;
    } catch (InterruptedException e) {
      // interruption is not a way to stop a subscription; state changes are
      return null;
    }
  }

  private void handle(Object item) {
    if (item == WAKE) {
      return;
    }
    Message msg;
    PendingRequest pending = null;
    if (item instanceof InProcessMessageBus.RequestDelivery rd) {
      msg = rd.message();
      pending = rd.pending();
    } else {
      msg = (Message) item;
    }
    TopicCounters counters = bus.countersOf(msg.topic());
    try {
      Message reply = handler.handle(msg);
      deliveredCount.incrementAndGet();
      bus.delivered.increment();
      counters.delivered.increment();
      if (pending != null) {
        if (reply != null) {
          pending.reply(reply);
        } else {
          pending.decline();
        }
      }
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      deliveredCount.incrementAndGet();
      bus.delivered.increment();
      bus.failed.increment();
      counters.delivered.increment();
      counters.failed.increment();
      if (t instanceof InterruptedException) {
        Thread.interrupted();
      }
      DwException error = BusErrors.handlerFailure(name, msg, t);
      if (pending != null) {
        pending.fail(error);
        if (!(t instanceof DwException)) {
          logFailure(msg, t);
        }
      } else {
        logFailure(msg, t);
      }
    }
  }

  private void logFailure(Message msg, Throwable t) {
    failuresSinceLog++;
    long now = System.nanoTime();
    if (lastFailureLog == 0 || now - lastFailureLog >= FAILURE_LOG_INTERVAL_NANOS) {
      LOG.warn("handler of subscriber '{}' failed on '{}' ({} failures since the last report)", name, msg.topic(), failuresSinceLog, t);
      lastFailureLog = now;
      failuresSinceLog = 0;
    }
  }

  private void drop(Object item) {
    if (item == WAKE) {
      return;
    }
    bus.dropped.increment();
    if (item instanceof InProcessMessageBus.RequestDelivery rd) {
      rd.pending().fail(DwException.of(ErrorCode.UNAVAILABLE, "subscriber '" + name + "' was closed before it handled the request on '"
          + rd.message().topic() + "'"));
    }
  }

  // ------------------------------------------------------------------ Subscription

  @Override
  public String pattern() {
    return pattern;
  }

  @Override
  public String queueGroup() {
    return group;
  }

  @Override
  public boolean isActive() {
    return state == ACTIVE;
  }

  @Override
  public int pending() {
    int n = queue.size() + Math.max(0, batchRemaining - 1);
    return state >= CLOSED ? 0 : n;
  }

  @Override
  public long delivered() {
    return deliveredCount.get();
  }

  @Override
  public void unsubscribe() {
    synchronized (this) {
      if (state >= CLOSED) {
        return;
      }
      boolean wasActive = state == ACTIVE;
      state = CLOSED;
      if (wasActive) {
        bus.remove(this);
      }
    }
    queue.offer(WAKE);
  }

  void beginDrain() {
    synchronized (this) {
      if (state != ACTIVE) {
        return;
      }
      state = DRAINING;
      bus.remove(this);
    }
    queue.offer(WAKE);
  }

  @Override
  public boolean drain(Duration timeout) throws InterruptedException {
    if (Thread.currentThread() == thread) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "a handler cannot drain its own subscription and wait for itself; call unsubscribe()");
    }
    beginDrain();
    if (awaitTerminated(timeout.toNanos())) {
      return true;
    }
    unsubscribe();
    return false;
  }

  boolean awaitTerminated(long nanos) throws InterruptedException {
    if (Thread.currentThread() == thread) {
      return state == TERMINATED;
    }
    return terminated.await(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "Subscription[" + name + ", pending=" + pending() + ", delivered=" + delivered() + "]";
  }
}
