package io.datawarehouse.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.json.Json;
import java.time.Instant;

/**
 * A record the pipeline discarded, with everything needed to understand why and to replay it.
 * Written to the pipeline's dead-letter sink; its JSON form is the payload of the dead-letter
 * topic.
 *
 * @param pipeline the pipeline's name
 * @param operator the operator that dropped it ("window#3", "map#1", "source")
 * @param reason why
 * @param detail a sentence a person can act on
 * @param windowStart the start of the window the record belonged to (epoch ms), or null
 * @param windowEnd the end (exclusive) of that window, or null
 * @param watermark the operator's watermark when it dropped the record ({@link Long#MIN_VALUE}
 *     before the first)
 * @param attempts how many times processing was tried (1 unless retried)
 * @param eventTime the record's event time, or null when it has none
 * @param record the record as JSON (a string when it is not representable as JSON, the payload
 *     as text for a bad payload)
 * @param at when it was dropped
 */
public record DeadLetter(
    String pipeline,
    String operator,
    DropReason reason,
    String detail,
    Long windowStart,
    Long windowEnd,
    long watermark,
    int attempts,
    Long eventTime,
    JsonNode record,
    Instant at) {

  /** {@code value} as a JSON tree, or its {@code toString()} as a JSON string when it has no JSON form. */
  public static JsonNode describe(Object value) {
    if (value == null) {
      return Json.mapper().nullNode();
    }
    if (value instanceof byte[] bytes) {
      return Json.mapper().getNodeFactory().textNode(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }
    try {
      return Json.mapper().valueToTree(value);
    } catch (IllegalArgumentException e) {
      return Json.mapper().getNodeFactory().textNode(String.valueOf(value));
    }
  }
}
