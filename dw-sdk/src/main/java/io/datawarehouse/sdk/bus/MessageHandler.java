package io.datawarehouse.sdk.bus;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Handles the messages of one subscription.
 *
 * <p>Threading: the bus calls a subscription's handler on a virtual thread, one message at a time,
 * in the order the messages were published (per publisher). Blocking inside a handler is fine (it
 * holds back only this subscription); a slow handler makes its bounded queue fill, and then
 * publishers wait (backpressure) up to the bus's limit.
 */
@FunctionalInterface
public interface MessageHandler {

  /**
   * Handles one message.
   *
   * <p>For a request ({@link Message#isRequest()}), the returned message is the reply; returning
   * null leaves the answer to another subscriber (a passive listener on {@code >} returns null),
   * and a request that nobody answers fails with NO_RESPONDERS. Throwing sends an error reply with
   * the exception's code ({@code DwException}) or INTERNAL. For a publish the return value is
   * ignored and an exception is counted as a failed delivery and logged.
   *
   * @return the reply to a request, or null
   */
  Message handle(Message message) throws Exception;

  /** A handler that never replies: for listeners of published events. */
  static MessageHandler listener(Consumer<Message> consumer) {
    return m -> {
      consumer.accept(m);
      return null;
    };
  }

  /**
   * A request handler with typed JSON bodies: reads the request as {@code requestType} (a bad
   * body is an INVALID_ARGUMENT error reply naming the field) and replies with {@code fn}'s result
   * as JSON.
   */
  static <Q, R> MessageHandler json(Class<Q> requestType, Function<Q, R> fn) {
    return m -> {
      Q q = m.json(requestType);
      R r = fn.apply(q);
      return Message.replyTo(m).json(r).build();
    };
  }
}
