package io.datawarehouse.streaming.saga;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.bus.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A saga: steps run in order, each by the participant subscribed to {@code pipeline.step.<id>};
 * when one fails for good, the completed ones are compensated in strict reverse order.
 *
 * <p>JSON/YAML form: {@code {"name": "order", "steps": [{"id": "reserve", "action": "reserve",
 * "compensation": "release", "timeout": "5s", "maxAttempts": 3, "backoff": "200ms",
 * "nonRetryable": ["INVALID_ARGUMENT"]}]}}.
 *
 * @param name the saga's name (a label; many sagas run one definition)
 * @param steps the steps, in order
 */
public record SagaDefinition(String name, List<Step> steps) {
  private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{0,63}");

  public SagaDefinition {
    if (name == null || name.isBlank()) {
      throw DwException.invalidArgument("a saga definition needs a name");
    }
    if (steps == null || steps.isEmpty()) {
      throw DwException.invalidArgument("saga '" + name + "' has no steps");
    }
    steps = List.copyOf(steps);
    Set<String> seen = new HashSet<>();
    for (Step s : steps) {
      if (!seen.add(s.id())) {
        throw DwException.invalidArgument("saga '" + name + "' has step '" + s.id() + "' twice");
      }
    }
  }

  /** The step with this id, or null. */
  public Step step(String id) {
    for (Step s : steps) {
      if (s.id().equals(id)) {
        return s;
      }
    }
    return null;
  }

  /**
   * One step.
   *
   * @param id the step's id: names its topic {@code pipeline.step.<id>} (lower-case letters,
   *     digits, '-')
   * @param action the operation the participant performs ("reserve")
   * @param compensation the operation that undoes it ("release"), or null when there is nothing
   *     to undo
   * @param timeout the most one attempt may take (default 10 s)
   * @param maxAttempts attempts at most, for the action and for the compensation (default 3)
   * @param backoff the wait before the second attempt, doubled each time (default 200 ms)
   * @param nonRetryable error codes that fail the step at once ({@code INVALID_ARGUMENT}...);
   *     errors of non-retriable codes are never retried anyway
   */
  public record Step(String id, String action, String compensation, Duration timeout, int maxAttempts,
      Duration backoff, Set<String> nonRetryable) {

    @JsonCreator
    public Step(@JsonProperty("id") String id, @JsonProperty("action") String action,
        @JsonProperty("compensation") String compensation, @JsonProperty("timeout") Duration timeout,
        @JsonProperty("maxAttempts") Integer maxAttempts, @JsonProperty("backoff") Duration backoff,
        @JsonProperty("nonRetryable") Set<String> nonRetryable) {
      this(id, action, compensation, timeout, maxAttempts == null ? 3 : maxAttempts.intValue(), backoff,
          nonRetryable);
    }

    public Step {
      if (id == null || !ID.matcher(id).matches()) {
        throw DwException.invalidArgument("saga step id must be lower-case letters, digits and '-', starting with a"
            + " letter; was '" + id + "'");
      }
      Topics.requireValidTopic(topic(id));
      if (action == null || action.isBlank()) {
        throw DwException.invalidArgument("saga step '" + id + "' needs an action");
      }
      timeout = timeout == null ? Duration.ofSeconds(10) : timeout;
      backoff = backoff == null ? Duration.ofMillis(200) : backoff;
      if (timeout.isNegative() || timeout.isZero() || backoff.isNegative()) {
        throw DwException.invalidArgument("saga step '" + id + "': timeout must be > 0 and backoff >= 0");
      }
      if (maxAttempts < 1) {
        throw DwException.invalidArgument("saga step '" + id + "': maxAttempts must be >= 1, was " + maxAttempts);
      }
      nonRetryable = nonRetryable == null ? Set.of() : Set.copyOf(nonRetryable);
    }

    /** A step with the defaults. */
    public static Step of(String id, String action, String compensation) {
      return new Step(id, action, compensation, null, 3, null, null);
    }

    /** The step's topic. */
    public String topic() {
      return topic(id);
    }

    static String topic(String id) {
      return "pipeline.step." + id;
    }
  }
}
