package io.datawarehouse.streaming.saga;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One entry of the durable saga log and of a saga's timeline.
 *
 * @param sagaId the saga
 * @param type what happened
 * @param step the step, or null
 * @param phase {@code execute} or {@code compensate}, or null
 * @param attempt the attempt number, or 0
 * @param at when
 * @param errorCode the error's stable code, or null
 * @param error the error's message, or null
 * @param data STARTED: {@code {"definition", "input"}}; STEP_DONE: the participant's result;
 *     RESUMED: {@code {"action"}}
 */
public record SagaEvent(String sagaId, Type type, String step, String phase, int attempt, Instant at,
    String errorCode, String error, JsonNode data) {

  /** What happened. */
  public enum Type {
    /** The saga was started with its definition and input. */
    STARTED,
    /** An attempt of a step (or its compensation) is about to be sent: logged before publishing. */
    STEP_INTENT,
    /** The participant answered with success. */
    STEP_DONE,
    /** An attempt failed; another may follow. */
    ATTEMPT_FAILED,
    /** The step failed for good: compensation starts. */
    STEP_FAILED,
    /** Every step completed. */
    COMPLETED,
    /** A step failed and every completed step was compensated. */
    COMPENSATED,
    /** A compensation kept failing: the saga waits for an operator. */
    PARKED,
    /** An operator resumed a parked saga (retry or skip). */
    RESUMED
  }

  public static final String EXECUTE = "execute";
  public static final String COMPENSATE = "compensate";
}
