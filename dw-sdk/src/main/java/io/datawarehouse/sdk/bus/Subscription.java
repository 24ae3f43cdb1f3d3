package io.datawarehouse.sdk.bus;

import java.time.Duration;

/**
 * A live subscription. Thread-safe.
 *
 * <p>{@link #close()} (= {@link #unsubscribe()}) stops delivery at once: after it returns the
 * handler is not called again (a call in progress finishes). Messages still queued are discarded
 * and counted as dropped in the bus statistics; requests among them get an UNAVAILABLE error reply.
 * {@link #drain(Duration)} instead stops taking new messages, lets the handler finish the queued
 * ones, then closes.
 */
public interface Subscription extends AutoCloseable {

  /** The pattern subscribed to. */
  String pattern();

  /** The queue group, or null. */
  String queueGroup();

  /** Whether messages are still delivered. */
  boolean isActive();

  /** Messages waiting in this subscription's queue. */
  int pending();

  /** Messages handed to the handler so far. */
  long delivered();

  /** Stops delivery now; see the class comment. Idempotent. */
  void unsubscribe();

  /**
   * Stops taking new messages, waits up to {@code timeout} for the queued ones to be handled, then
   * closes.
   *
   * @return true when every queued message was handled within the timeout
   */
  boolean drain(Duration timeout) throws InterruptedException;

  /** Same as {@link #unsubscribe()}. */
  @Override
  default void close() {
    unsubscribe();
  }
}
