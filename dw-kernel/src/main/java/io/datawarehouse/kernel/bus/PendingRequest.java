package io.datawarehouse.kernel.bus;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.config.Durations;
import io.datawarehouse.sdk.config.Sizes;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request in flight. {@code outstanding} counts recipients that have not answered or declined,
 * plus one held by the sender until every delivery was attempted (so a fast decline cannot end the
 * request before the last recipient got it). The first reply wins; when the count reaches zero
 * without a reply the request fails with NO_RESPONDERS.
 */
final class PendingRequest {
  private final InProcessMessageBus bus;
  private final String topic;
  private final CompletableFuture<Message> future;
  private final AtomicInteger outstanding = new AtomicInteger(1);
  private final AtomicInteger recipients = new AtomicInteger();
  private volatile ScheduledFuture<?> timeoutTask;

  PendingRequest(InProcessMessageBus bus, String topic, CompletableFuture<Message> future) {
    this.bus = bus;
    this.topic = topic;
    this.future = future;
  }

  /** Called before a delivery attempt. */
  void delivering() {
    outstanding.incrementAndGet();
    recipients.incrementAndGet();
  }

  /** Called when a delivery attempt did not enqueue. */
  void notDelivered() {
    recipients.decrementAndGet();
    decline();
  }

  /**
   * Releases the sender's hold after all deliveries were attempted.
   *
   * @return true when this ended the request with NO_RESPONDERS
   */
  boolean releaseSender() {
    return decline();
  }

  /** A recipient's handler returned null. @return true when this ended the request */
  boolean decline() {
    if (outstanding.decrementAndGet() == 0 && !future.isDone()) {
      int n = recipients.get();
      String why = n == 0 ? "nobody is subscribed to '" + topic + "'"
          : n + (n == 1 ? " subscriber" : " subscribers") + " received the request on '" + topic + "' but none answered it";
      if (future.completeExceptionally(DwException.of(ErrorCode.NO_RESPONDERS, "no responders: " + why))) {
        cancelTimeout();
        return true;
      }
    }
    return false;
  }

  void reply(Message reply) {
    outstanding.decrementAndGet();
    if (future.isDone()) {
      return;
    }
    if (reply.size() > bus.maxPayload()) {
      fail(DwException.invalidArgument("the reply on '" + topic + "' is " + Sizes.format(reply.size())
          + ", over the bus limit of " + Sizes.format(bus.maxPayload()) + "; the responder must send a reference or chunks"));
      return;
    }
    boolean done = reply.isError() ? future.completeExceptionally(reply.error()) : future.complete(reply);
    if (done) {
      cancelTimeout();
    }
  }

  void fail(DwException error) {
    outstanding.decrementAndGet();
    if (future.completeExceptionally(error)) {
      cancelTimeout();
    }
  }

  boolean isDone() {
    return future.isDone();
  }

  void armTimeout(ScheduledExecutorService timer, Duration timeout) {
    long nanos = Math.max(0, timeout.toNanos());
    try {
      timeoutTask = timer.schedule(() -> {
        if (future.completeExceptionally(DwException.of(ErrorCode.TIMEOUT,
            "no reply on '" + topic + "' within " + Durations.format(timeout)))) {
          bus.timeouts.increment();
        }
      }, nanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      future.completeExceptionally(DwException.of(ErrorCode.UNAVAILABLE, "the message bus is closed", e));
    }
    if (future.isDone()) {
      cancelTimeout();
    }
  }

  private void cancelTimeout() {
    ScheduledFuture<?> t = timeoutTask;
    if (t != null) {
      t.cancel(false);
    }
  }
}
