package io.datawarehouse.streaming.saga;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.log.DurableLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Three participants (steps a, b, c) whose every handler run is recorded in a durable log, so a
 * test can prove across process restarts that no step ran twice. Used by SagaTest, SagaCrashIT
 * and its child JVM.
 */
public final class SagaFixture implements AutoCloseable {
  final DurableLog invocations;
  final List<SagaParticipant> participants = new ArrayList<>();

  /** A definition of steps a, b, c (each with a compensation), 1 ms backoff, 3 attempts. */
  static SagaDefinition definition() {
    List<SagaDefinition.Step> steps = new ArrayList<>();
    for (String s : List.of("a", "b", "c")) {
      steps.add(new SagaDefinition.Step(s, "do-" + s, "undo-" + s, Duration.ofSeconds(20), 3, Duration.ofMillis(1),
          Set.of()));
    }
    return new SagaDefinition("abc", steps);
  }

  /**
   * Registers the participants. Step {@code failing} (or none when null) fails with
   * INVALID_ARGUMENT; {@code afterAnswer} runs after a participant stored an answer (a crash point).
   */
  SagaFixture(MessageBus bus, Path root, String failing, Runnable afterAnswer) {
    invocations = DurableLog.open(root.resolve("invocations"));
    for (String s : List.of("a", "b", "c")) {
      participants.add(SagaParticipant.register(bus, s,
          req -> run(req, s, "execute", s.equals(failing)),
          req -> run(req, s, "compensate", false),
          root.resolve("participants").resolve(s), afterAnswer == null ? null : key -> afterAnswer.run()));
    }
  }

  private JsonNode run(JsonNode req, String step, String phase, boolean fail) {
    synchronized (invocations) {
      invocations.append((step + ":" + phase).getBytes(StandardCharsets.UTF_8), 0);
      invocations.sync();
    }
    if (fail) {
      throw DwException.invalidArgument("step " + step + " refuses order " + req.get("input").get("order"));
    }
    return Json.object().put("done", step + ":" + phase);
  }

  /** Every handler run so far, in order. */
  List<String> invocations() {
    List<String> out = new ArrayList<>();
    synchronized (invocations) {
      invocations.flush();
      invocations.read(0, Integer.MAX_VALUE).forEach(e -> out.add(new String(e.payload(), StandardCharsets.UTF_8)));
    }
    return out;
  }

  @Override
  public void close() {
    participants.forEach(SagaParticipant::close);
    invocations.close();
  }
}
