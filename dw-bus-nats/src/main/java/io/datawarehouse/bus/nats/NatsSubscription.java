package io.datawarehouse.bus.nats;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.BusErrors;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.Subscription;
import io.nats.client.Consumer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription of the NATS bus: a NATS synchronous subscription and the virtual thread that
 * takes its messages in order and calls the handler.
 */
final class NatsSubscription implements Subscription {
  private static final Logger LOG = LoggerFactory.getLogger(NatsSubscription.class);
  private static final int ACTIVE = 0;
  private static final int DRAINING = 1;
  private static final int CLOSED = 2;

  private final NatsMessageBus bus;
  private final io.nats.client.Subscription ns;
  private final String pattern;
  private final String group;
  final String name;
  private final MessageHandler handler;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final AtomicLong deliveredCount = new AtomicLong();
  private volatile int state = ACTIVE;
  private volatile int inHandler;
  private volatile Thread thread;
  private long lastFailureLog;

  NatsSubscription(NatsMessageBus bus, io.nats.client.Subscription ns, String pattern, String group, String name, MessageHandler handler) {
    this.bus = bus;
    this.ns = ns;
    this.pattern = pattern;
    this.group = group;
    this.name = name;
    this.handler = handler;
  }

  void start() {
    thread = Thread.ofVirtual().name("dw-nats-" + name).start(this::run);
  }

  boolean isConsumer(Consumer c) {
    return c == ns;
  }

  long natsDropped() {
    return ns.getDroppedCount();
  }

  private void run() {
    try {
      while (state != CLOSED) {
        io.nats.client.Message nm;
        try {
          nm = ns.nextMessage(Duration.ofMillis(200));
        } catch (IllegalStateException e) {
          break; // unsubscribed, drained or connection closed
        } catch (InterruptedException e) {
          continue;
        }
        if (nm == null) {
          if (state == DRAINING && ns.getPendingMessageCount() == 0) {
            break;
          }
          continue;
        }
        if (state == CLOSED) {
          bus.dropped.increment();
          continue;
        }
        handle(nm);
      }
    } finally {
      terminated.countDown();
      bus.removed(this);
    }
  }

  private void handle(io.nats.client.Message nm) {
    Message msg;
    try {
      msg = NatsMessageBus.toMessage(nm);
    } catch (RuntimeException e) {
      bus.failed.increment();
      LOG.warn("subscription '{}': cannot read a message on '{}': {}", name, nm.getSubject(), e.getMessage());
      return;
    }
    var counts = bus.counts(msg.topic());
    inHandler = 1;
    try {
      Message reply = handler.handle(msg);
      if (reply != null && nm.getReplyTo() != null) {
        bus.reply(nm, reply);
      }
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      bus.failed.increment();
      counts[2].increment();
      if (t instanceof InterruptedException) {
        Thread.interrupted();
      }
      DwException error = BusErrors.handlerFailure(name, msg, t);
      if (nm.getReplyTo() != null) {
        bus.reply(nm, Message.errorReply(msg, error));
      }
      if (!(t instanceof DwException) || nm.getReplyTo() == null) {
        long now = System.nanoTime();
        if (lastFailureLog == 0 || now - lastFailureLog > 10_000_000_000L) {
          lastFailureLog = now;
          LOG.warn("handler of subscription '{}' failed on '{}'", name, msg.topic(), t);
        }
      }
    } finally {
      inHandler = 0;
      deliveredCount.incrementAndGet();
      bus.delivered.increment();
      counts[1].increment();
    }
  }

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
    return state == CLOSED ? 0 : (int) Math.min(Integer.MAX_VALUE, ns.getPendingMessageCount() + inHandler);
  }

  @Override
  public long delivered() {
    return deliveredCount.get();
  }

  @Override
  public void unsubscribe() {
    synchronized (this) {
      if (state == CLOSED) {
        return;
      }
      state = CLOSED;
    }
    long pendingNow = ns.getPendingMessageCount();
    if (pendingNow > 0) {
      bus.dropped.add(pendingNow);
    }
    try {
      ns.unsubscribe();
    } catch (IllegalStateException e) {
      LOG.debug("subscription '{}' was already closed", name);
    }
  }

  @Override
  public boolean drain(Duration timeout) throws InterruptedException {
    if (Thread.currentThread() == thread) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "a handler cannot drain its own subscription and wait for itself; call unsubscribe()");
    }
    synchronized (this) {
      if (state != ACTIVE) {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
      state = DRAINING;
    }
    try {
      ns.drain(timeout);
    } catch (IllegalStateException e) {
      LOG.debug("subscription '{}': drain: {}", name, e.getMessage());
    }
    if (terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return true;
    }
    unsubscribe();
    return false;
  }

  @Override
  public String toString() {
    return "NatsSubscription[" + name + ", pending=" + pending() + "]";
  }
}
