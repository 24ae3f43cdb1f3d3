package io.datawarehouse.streaming.saga;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Where a saga stands: its state, each step's progress, and its whole timeline.
 *
 * @param id the saga's id
 * @param name its definition's name
 * @param state RUNNING, COMPENSATING, PARKED, COMPLETED or COMPENSATED
 * @param steps each step's state: PENDING, RUNNING, DONE, FAILED, COMPENSATING, COMPENSATED,
 *     PARKED, SKIPPED
 * @param results the results of completed steps by step id
 * @param parkedStep the step whose compensation is parked, or null
 * @param error the error that failed the saga (or parked it), or null
 * @param timeline every event, oldest first
 */
public record SagaStatus(String id, String name, String state, Map<String, String> steps,
    Map<String, JsonNode> results, String parkedStep, String error, List<SagaEvent> timeline) {}
