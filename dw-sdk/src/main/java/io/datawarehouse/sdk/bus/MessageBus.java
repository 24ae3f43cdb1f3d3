package io.datawarehouse.sdk.bus;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The message bus: the only way plugins talk to each other. Implemented in-process by dw-kernel
 * and on NATS by dw-bus-nats; both pass the same contract test suite (dw-testkit's
 * {@code MessageBusContractTest}).
 *
 * <ul>
 *   <li>{@link #publish}: fire and forget to every matching subscription (one member per queue
 *       group).
 *   <li>{@link #request}: the first reply wins. With no subscriber at all, or when every subscriber
 *       that received it declined to answer, it fails with NO_RESPONDERS at once, not after the
 *       timeout. An error reply fails the future with a {@link DwException} of the same code.
 *   <li>Each subscription gets messages in publish order, handled on a virtual thread; its queue is
 *       bounded; a full queue makes the publisher wait up to the bus's publish timeout, then fails
 *       with RESOURCE_EXHAUSTED. Nothing is dropped silently.
 *   <li>Payloads above the bus's limit (1 MiB by default) are refused with INVALID_ARGUMENT: move
 *       large data by reference (a storage key or path) or in numbered chunks.
 * </ul>
 *
 * <p>Thread-safe.
 */
public interface MessageBus extends AutoCloseable {

  /**
   * Publishes to every matching subscription.
   *
   * @throws DwException INVALID_ARGUMENT for a bad topic or an oversized payload;
   *     RESOURCE_EXHAUSTED when a subscriber's queue stayed full past the publish timeout;
   *     UNAVAILABLE when the bus is closed or disconnected
   */
  void publish(Message message);

  /** Publishes {@code body} as JSON on {@code topic}. */
  default void publishJson(String topic, Object body) {
    publish(Message.json(topic, body));
  }

  /**
   * Sends a request and returns its reply. The bus sets the request's reply-to.
   *
   * @return a future that completes with the reply, or fails with a {@link DwException}: the
   *     responder's error code, TIMEOUT, NO_RESPONDERS, INVALID_ARGUMENT, UNAVAILABLE
   */
  CompletableFuture<Message> request(Message request, Duration timeout);

  /**
   * {@link #request} that waits for the reply.
   *
   * @throws DwException as the future would fail
   */
  default Message requestSync(Message request, Duration timeout) {
    try {
      return request(request, timeout).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "interrupted waiting for a reply on '" + request.topic() + "'", e);
    } catch (ExecutionException e) {
      throw DwException.wrap(e.getCause(), "request on '" + request.topic() + "'");
    }
  }

  /** Sends {@code body} as JSON, waits, and reads the reply as {@code replyType}. */
  default <T> T requestJson(String topic, Object body, Class<T> replyType, Duration timeout) {
    return requestSync(Message.json(topic, body), timeout).json(replyType);
  }

  /** Subscribes with default options. */
  default Subscription subscribe(String pattern, MessageHandler handler) {
    return subscribe(pattern, SubscribeOptions.defaults(), handler);
  }

  /**
   * Subscribes to topics matching {@code pattern}.
   *
   * @throws DwException INVALID_ARGUMENT for a bad pattern; UNAVAILABLE when the bus is closed
   */
  Subscription subscribe(String pattern, SubscribeOptions options, MessageHandler handler);

  /** Counters since the bus started. */
  BusStatistics statistics();

  /**
   * Stops taking messages, drains every subscription (up to the bus's drain timeout), and
   * releases resources. Idempotent.
   */
  @Override
  void close();
}
