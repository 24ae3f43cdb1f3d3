package io.datawarehouse.sdk.bus;

import java.util.Map;

/**
 * Counters of a bus since it started. A snapshot; values are consistent per counter, not across
 * counters.
 *
 * @param published messages accepted by publish or request
 * @param delivered handler invocations completed (one message to three subscribers is three)
 * @param failed handler invocations that threw
 * @param dropped queued messages discarded because their subscription was closed
 * @param requests requests sent
 * @param timeouts requests that got no reply in time
 * @param noResponders requests that found nobody to answer
 * @param backpressureWaits publishes that had to wait for room in a full queue
 * @param subscriptions live subscriptions
 * @param topics per concrete topic (bounded: the busiest first topics seen; the rest are counted
 *     under {@code "(other)"})
 */
public record BusStatistics(
    long published,
    long delivered,
    long failed,
    long dropped,
    long requests,
    long timeouts,
    long noResponders,
    long backpressureWaits,
    int subscriptions,
    Map<String, TopicStatistics> topics) {

  /**
   * Counters of one topic.
   *
   * @param published messages published to the topic
   * @param delivered handler invocations completed for it
   * @param failed handler invocations that threw
   */
  public record TopicStatistics(long published, long delivered, long failed) {}
}
