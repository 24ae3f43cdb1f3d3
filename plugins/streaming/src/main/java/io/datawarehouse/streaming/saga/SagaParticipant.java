package io.datawarehouse.streaming.saga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.log.DurableLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The participant side of a saga step: handles {@code pipeline.step.<step>} requests and makes
 * at-least-once delivery safe by deduplicating on the idempotency key. The first answer (result
 * or error) for a key is stored durably before it is sent; a request with a key already answered
 * gets the stored answer without running the handler again.
 *
 * <p>The store is a {@link DurableLog} in its own directory; it keeps every answer (a participant
 * that needs retention deletes old segments with {@link DurableLog#deleteBefore}).
 *
 * <p>Thread-safe; requests with the same key are handled one at a time.
 */
public final class SagaParticipant implements AutoCloseable {

  /** One operation of a participant. */
  @FunctionalInterface
  public interface Handler {
    /**
     * Performs the operation.
     *
     * @param request the saga's request body: {@code sagaId}, {@code step}, {@code phase}, {@code
     *     operation}, {@code input}, {@code results}
     * @return the step's result (goes into the saga's {@code results})
     * @throws Exception a failure; a {@link DwException} keeps its code (retriable codes are
     *     retried by the orchestrator)
     */
    JsonNode handle(JsonNode request) throws Exception;
  }

  private final DurableLog store;
  private final Map<String, ObjectNode> answers = new ConcurrentHashMap<>();
  private final Map<String, Object> keyLocks = new ConcurrentHashMap<>();
  private final Subscription subscription;
  private final java.util.function.Consumer<String> onStored;

  private SagaParticipant(MessageBus bus, String step, Handler execute, Handler compensate, Path storeDir,
      java.util.function.Consumer<String> onStored) {
    this.onStored = onStored == null ? k -> { } : onStored;
    this.store = DurableLog.open(storeDir);
    DurableLog.Cursor c = store.new Cursor(store.startOffset());
    List<DurableLog.Entry> batch;
    while (!(batch = store.read(c, 1000)).isEmpty()) {
      for (DurableLog.Entry e : batch) {
        ObjectNode a = (ObjectNode) Json.tree(e.payload(), storeDir + " offset " + e.offset());
        answers.put(a.get("key").asText(), a);
      }
    }
    this.subscription = bus.subscribe(SagaDefinition.Step.topic(step), m -> handle(m, execute, compensate));
  }

  /**
   * Subscribes a participant for {@code step}.
   *
   * @param compensate undoes {@code execute}; null when the step has no compensation
   * @param storeDir where answers by idempotency key are kept
   */
  public static SagaParticipant register(MessageBus bus, String step, Handler execute, Handler compensate,
      Path storeDir) {
    return register(bus, step, execute, compensate, storeDir, null);
  }

  /**
   * {@link #register(MessageBus, String, Handler, Handler, Path)} with {@code onStored} called
   * with the idempotency key after each new answer is durably stored, before it is sent (for
   * metrics, and for tests that crash the process at that point).
   */
  public static SagaParticipant register(MessageBus bus, String step, Handler execute, Handler compensate,
      Path storeDir, java.util.function.Consumer<String> onStored) {
    Objects.requireNonNull(execute, "execute");
    return new SagaParticipant(bus, step, execute, compensate, storeDir, onStored);
  }

  private Message handle(Message m, Handler execute, Handler compensate) throws Exception {
    String key = m.header(SagaOrchestrator.IDEMPOTENCY_KEY);
    if (key == null) {
      throw DwException.invalidArgument("a saga step request needs the " + SagaOrchestrator.IDEMPOTENCY_KEY
          + " header");
    }
    synchronized (keyLocks.computeIfAbsent(key, k -> new Object())) {
      ObjectNode done = answers.get(key);
      if (done == null) {
        JsonNode request = m.jsonTree();
        boolean comp = SagaEvent.COMPENSATE.equals(m.header(SagaOrchestrator.PHASE));
        Handler h = comp ? compensate : execute;
        done = Json.object().put("key", key);
        try {
          if (h == null) {
            throw DwException.of(ErrorCode.FAILED_PRECONDITION, "step '" + m.header(SagaOrchestrator.STEP)
                + "' has no compensation here");
          }
          JsonNode result = h.handle(request);
          done.set("result", result == null ? Json.object() : result);
        } catch (Exception e) {
          DwException dw = DwException.wrap(e, "saga step " + m.header(SagaOrchestrator.STEP));
          if (dw.isRetriable()) {
            throw dw; // a transient failure is not an answer: the retry runs the handler again
          }
          done.put("errorCode", dw.code().wire()).put("error", String.valueOf(dw.getMessage()));
        }
        store.append(Json.toBytes(done), System.currentTimeMillis());
        store.sync();
        answers.put(key, done);
        onStored.accept(key);
      }
      if (done.has("errorCode")) {
        throw DwException.of(ErrorCode.fromWire(done.get("errorCode").asText()), done.get("error").asText());
      }
      return Message.replyTo(m).json(done.get("result")).build();
    }
  }

  /** How many distinct keys have been answered. */
  public int answered() {
    return answers.size();
  }

  @Override
  public void close() {
    subscription.unsubscribe();
    store.close();
  }
}
