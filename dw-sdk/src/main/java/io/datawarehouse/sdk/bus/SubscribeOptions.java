package io.datawarehouse.sdk.bus;

import io.datawarehouse.sdk.DwException;

/**
 * How to subscribe: an optional queue group, the capacity of the subscription's bounded queue,
 * and a name for statistics and logs.
 *
 * @param queueGroup subscriptions with the same pattern and group share the messages (each goes
 *     to exactly one member); null for none
 * @param queueCapacity how many messages may wait for the handler before publishers wait; 0 for
 *     the bus default
 * @param name a name for logs and statistics; null to use the pattern
 */
public record SubscribeOptions(String queueGroup, int queueCapacity, String name) {

  private static final SubscribeOptions DEFAULTS = new SubscribeOptions(null, 0, null);

  public SubscribeOptions {
    if (queueCapacity < 0) {
      throw DwException.invalidArgument("queueCapacity must be >= 0, was " + queueCapacity);
    }
    if (queueGroup != null && (queueGroup.isBlank() || queueGroup.chars().anyMatch(Character::isWhitespace))) {
      throw DwException.invalidArgument("queue group must be a non-empty name without whitespace, was '" + queueGroup + "'");
    }
  }

  /** No group, the bus's default capacity. */
  public static SubscribeOptions defaults() {
    return DEFAULTS;
  }

  /** Options with queue group {@code group}. */
  public static SubscribeOptions group(String group) {
    return new SubscribeOptions(group, 0, null);
  }

  public SubscribeOptions withQueueGroup(String group) {
    return new SubscribeOptions(group, queueCapacity, name);
  }

  public SubscribeOptions withQueueCapacity(int capacity) {
    return new SubscribeOptions(queueGroup, capacity, name);
  }

  public SubscribeOptions withName(String newName) {
    return new SubscribeOptions(queueGroup, queueCapacity, newName);
  }
}
