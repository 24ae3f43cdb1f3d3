package io.datawarehouse.streaming.saga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.log.DurableLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sagas over the bus with a durable log, so that a crash at any point loses nothing and runs
 * no completed step twice.
 *
 * <p>Protocol: each attempt of a step is a request on {@code pipeline.step.<step>} with headers
 * {@value #SAGA_ID}, {@value #STEP}, {@value #PHASE} ({@code execute} or {@code compensate}),
 * {@value #ATTEMPT} and {@value #IDEMPOTENCY_KEY} ({@code <saga id>:<step>:<phase>}, the same for
 * every attempt), and the JSON body {@code {"sagaId", "step", "phase", "operation", "input",
 * "results"}} ({@code results}: the results of the steps completed so far). The participant's
 * reply body is the step's result; an error reply fails the attempt.
 *
 * <p>Durability: every event is appended to the saga log and forced to disk before the orchestrator
 * acts on it; in particular a step's intent is durable before its request is sent. On {@link
 * #open}, every saga without an end is resumed from its log: completed steps are skipped, an
 * attempt whose answer never came is sent again with the same idempotency key (participants
 * dedupe by it, see {@link SagaParticipant}).
 *
 * <p>Failure: a step fails for good when its error code is non-retriable or listed in {@code
 * nonRetryable}, or after {@code maxAttempts}; then the completed steps are compensated in strict
 * reverse order. A compensation that fails for good parks the saga: it stays visible in {@link
 * #status} until an operator {@link #resume resumes} it (retry the compensation, or skip it).
 *
 * <p>Threading: each saga runs on its own virtual thread; all methods are thread-safe.
 */
public final class SagaOrchestrator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SagaOrchestrator.class);
  public static final String SAGA_ID = "dw-saga-id";
  public static final String STEP = "dw-saga-step";
  public static final String PHASE = "dw-saga-phase";
  public static final String ATTEMPT = "dw-saga-attempt";
  public static final String IDEMPOTENCY_KEY = "dw-idempotency-key";
  private static final Codec<SagaEvent> CODEC = Codec.json(SagaEvent.class);

  /** What an operator does with a parked saga. */
  public enum ResumeAction {
    /** Try the parked compensation again, with fresh attempts. */
    RETRY,
    /** Treat the parked compensation as done and carry on with the rest. */
    SKIP
  }

  private final MessageBus bus;
  private final Time time;
  private final DurableLog log;
  private final Consumer<SagaEvent> listener;
  private final Map<String, Saga> sagas = new ConcurrentHashMap<>();
  private final ExecutorService runners = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("dw-saga-", 0).factory());
  private volatile boolean closed;

  private SagaOrchestrator(MessageBus bus, Path dir, Time time, Consumer<SagaEvent> listener) {
    this.bus = bus;
    this.time = time;
    this.listener = listener;
    this.log = DurableLog.open(dir);
  }

  /**
   * Opens the saga log in {@code dir} and resumes every unfinished saga in it.
   *
   * @param listener called after each event is durably logged (timelines, progress events);
   *     on the saga's thread
   */
  public static SagaOrchestrator open(MessageBus bus, Path dir, Time time, Consumer<SagaEvent> listener) {
    SagaOrchestrator o = new SagaOrchestrator(bus, dir, time, listener == null ? e -> { } : listener);
    o.recover();
    return o;
  }

  private void recover() {
    DurableLog.Cursor c = log.new Cursor(log.startOffset());
    List<DurableLog.Entry> batch;
    while (!(batch = log.read(c, 1000)).isEmpty()) {
      for (DurableLog.Entry e : batch) {
        SagaEvent ev = CODEC.decode(e.payload());
        Saga s = ev.type() == SagaEvent.Type.STARTED ? new Saga(ev) : sagas.get(ev.sagaId());
        if (s == null) {
          throw DwException.integrity(log.directory() + ": event " + ev.type() + " at offset " + e.offset()
              + " belongs to saga " + ev.sagaId() + " which has no STARTED event");
        }
        sagas.put(s.id, s);
        s.apply(ev);
      }
    }
    int resumed = 0;
    for (Saga s : sagas.values()) {
      if (s.state.equals("RUNNING") || s.state.equals("COMPENSATING")) {
        resumed++;
        launch(s);
      }
    }
    if (resumed > 0) {
      LOG.info("saga log {}: resuming {} unfinished saga(s)", log.directory(), resumed);
    }
  }

  /**
   * Starts a saga.
   *
   * @return its id
   */
  public String start(SagaDefinition definition, JsonNode input) {
    Objects.requireNonNull(definition, "definition");
    String id = UUID.randomUUID().toString();
    ObjectNode data = Json.object();
    data.set("definition", Json.mapper().valueToTree(definition));
    data.set("input", input == null ? Json.mapper().nullNode() : input);
    Saga s = new Saga(new SagaEvent(id, SagaEvent.Type.STARTED, null, null, 0, time.now(), null, null, data));
    sagas.put(id, s);
    record(s, s.timeline.get(0), false);
    launch(s);
    return id;
  }

  /**
   * A saga's status and timeline.
   *
   * @throws DwException NOT_FOUND for an unknown id
   */
  public SagaStatus status(String id) {
    Saga s = sagas.get(id);
    if (s == null) {
      throw DwException.notFound("no saga with id '" + id + "'");
    }
    return s.status();
  }

  /** The ids of every saga in the log, oldest first. */
  public List<String> ids() {
    List<Saga> all = new ArrayList<>(sagas.values());
    all.sort((a, b) -> a.timeline.get(0).at().compareTo(b.timeline.get(0).at()));
    return all.stream().map(x -> x.id).toList();
  }

  /**
   * Resumes a parked saga.
   *
   * @throws DwException NOT_FOUND for an unknown id, FAILED_PRECONDITION when it is not parked
   */
  public void resume(String id, ResumeAction action) {
    Saga s = sagas.get(id);
    if (s == null) {
      throw DwException.notFound("no saga with id '" + id + "'");
    }
    synchronized (s) {
      if (!s.state.equals("PARKED")) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "saga " + id + " is " + s.state + ", not PARKED: only a"
            + " parked saga can be resumed");
      }
      ObjectNode data = Json.object().put("action", action.name());
      record(s, new SagaEvent(id, SagaEvent.Type.RESUMED, s.parkedStep, SagaEvent.COMPENSATE, 0, time.now(), null,
          null, data), true);
    }
    launch(s);
  }

  /**
   * Waits until the saga has ended or parked.
   *
   * @return its status then, or null when {@code timeout} passed first
   */
  public SagaStatus await(String id, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Saga s = sagas.get(id);
    if (s == null) {
      throw DwException.notFound("no saga with id '" + id + "'");
    }
    synchronized (s) {
      while (!s.settled()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        TimeUnit.NANOSECONDS.timedWait(s, left);
      }
      return s.status();
    }
  }

  private void launch(Saga s) {
    runners.execute(() -> {
      try {
        run(s);
      } catch (RuntimeException e) {
        if (!closed) {
          LOG.error("saga {}: the orchestrator failed; the saga resumes from its log at the next start: {}", s.id,
              e.toString(), e);
        }
      }
    });
  }

  private void run(Saga s) {
    while (!closed) {
      String state;
      synchronized (s) {
        state = s.state;
      }
      switch (state) {
        case "RUNNING" -> {
          SagaDefinition.Step step = s.nextToExecute();
          if (step == null) {
            event(s, SagaEvent.Type.COMPLETED, null, null, 0, null, null);
            LOG.info("saga {} ({}) completed", s.id, s.def.name());
            return;
          }
          Outcome o = attempts(s, step, SagaEvent.EXECUTE);
          if (o.result != null) {
            event(s, SagaEvent.Type.STEP_DONE, step.id(), SagaEvent.EXECUTE, o.attempt, null, o.result);
          } else {
            event(s, SagaEvent.Type.STEP_FAILED, step.id(), SagaEvent.EXECUTE, o.attempt, o.error, null);
            LOG.warn("saga {} ({}): step '{}' failed ({}); compensating the completed steps", s.id, s.def.name(),
                step.id(), o.error.getMessage());
          }
        }
        case "COMPENSATING" -> {
          SagaDefinition.Step step = s.nextToCompensate();
          if (step == null) {
            event(s, SagaEvent.Type.COMPENSATED, null, null, 0, null, null);
            LOG.info("saga {} ({}) compensated", s.id, s.def.name());
            return;
          }
          if (step.compensation() == null) {
            event(s, SagaEvent.Type.STEP_DONE, step.id(), SagaEvent.COMPENSATE, 0, null,
                Json.object().put("skipped", "the step has no compensation"));
            continue;
          }
          Outcome o = attempts(s, step, SagaEvent.COMPENSATE);
          if (o.result != null) {
            event(s, SagaEvent.Type.STEP_DONE, step.id(), SagaEvent.COMPENSATE, o.attempt, null, o.result);
          } else {
            event(s, SagaEvent.Type.PARKED, step.id(), SagaEvent.COMPENSATE, o.attempt, o.error, null);
            LOG.warn("saga {} ({}): compensation of step '{}' keeps failing ({}); the saga is PARKED until resumed",
                s.id, s.def.name(), step.id(), o.error.getMessage());
            return;
          }
        }
        default -> {
          return;
        }
      }
    }
  }

  private record Outcome(JsonNode result, DwException error, int attempt) {}

  private Outcome attempts(Saga s, SagaDefinition.Step step, String phase) {
    int first;
    int attempt;
    synchronized (s) {
      // execute: maxAttempts in all; compensate: maxAttempts since the last operator retry
      first = phase.equals(SagaEvent.EXECUTE) ? 0 : s.compensationBudgetStart(step.id());
      attempt = s.attemptsSoFar(step.id(), phase);
      if (s.lastIsIntent(step.id(), phase)) {
        attempt--; // the answer to that attempt never came: send it again, same attempt, same key
      }
    }
    int budget = first + step.maxAttempts();
    DwException last = DwException.of(ErrorCode.CANCELLED, "the orchestrator is closing");
    while (attempt < budget && !closed) {
      attempt++;
      event(s, SagaEvent.Type.STEP_INTENT, step.id(), phase, attempt, null, null);
      try {
        Message reply = bus.requestSync(request(s, step, phase, attempt), step.timeout());
        JsonNode result = reply.size() == 0 ? Json.object() : reply.jsonTree();
        return new Outcome(result, null, attempt);
      } catch (DwException e) {
        last = e;
        boolean retriable = e.isRetriable() && !step.nonRetryable().contains(e.code().wire());
        if (!retriable || attempt >= budget) {
          break;
        }
        event(s, SagaEvent.Type.ATTEMPT_FAILED, step.id(), phase, attempt, e, null);
        try {
          time.sleep(step.backoff().multipliedBy(1L << Math.min(attempt - 1 - first, 20)));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw DwException.of(ErrorCode.CANCELLED, "saga " + s.id + " interrupted", ie);
        }
      }
    }
    return new Outcome(null, last, attempt);
  }

  private Message request(Saga s, SagaDefinition.Step step, String phase, int attempt) {
    ObjectNode body = Json.object();
    body.put("sagaId", s.id);
    body.put("step", step.id());
    body.put("phase", phase);
    body.put("operation", phase.equals(SagaEvent.EXECUTE) ? step.action() : step.compensation());
    body.set("input", s.input);
    ObjectNode results = body.putObject("results");
    s.results.forEach(results::set);
    return Message.builder(step.topic()).json(body)
        .header(SAGA_ID, s.id)
        .header(STEP, step.id())
        .header(PHASE, phase)
        .header(ATTEMPT, Integer.toString(attempt))
        .header(IDEMPOTENCY_KEY, s.id + ":" + step.id() + ":" + phase)
        .build();
  }

  private void event(Saga s, SagaEvent.Type type, String step, String phase, int attempt, DwException error,
      JsonNode data) {
    record(s, new SagaEvent(s.id, type, step, phase, attempt, time.now(),
        error == null ? null : error.code().wire(), error == null ? null : error.getMessage(), data), true);
  }

  /** Logs an event durably, applies it, tells the listener. */
  private void record(Saga s, SagaEvent ev, boolean apply) {
    synchronized (log) {
      if (closed) {
        throw DwException.of(ErrorCode.CANCELLED, "the saga orchestrator is closed");
      }
      log.append(CODEC.encode(ev), ev.at().toEpochMilli());
      log.sync();
    }
    synchronized (s) {
      if (apply) {
        s.apply(ev);
      }
      s.notifyAll();
    }
    listener.accept(ev);
  }

  /** Stops the sagas' threads (they resume from the log at the next open) and closes the log. */
  @Override
  public void close() {
    closed = true;
    runners.shutdownNow();
    try {
      runners.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (log) {
      log.close();
    }
  }

  /** One saga's state, rebuilt from its events. Guarded by itself. */
  private static final class Saga {
    final String id;
    final SagaDefinition def;
    final JsonNode input;
    final List<SagaEvent> timeline = new ArrayList<>();
    final Map<String, String> stepState = new LinkedHashMap<>();
    final Map<String, JsonNode> results = new LinkedHashMap<>();
    final Map<String, Integer> attempts = new LinkedHashMap<>();
    final Map<String, Integer> compensationBudget = new LinkedHashMap<>();
    String state = "RUNNING";
    String parkedStep;
    String error;

    Saga(SagaEvent started) {
      this.id = started.sagaId();
      this.def = Json.convert(started.data().get("definition"), SagaDefinition.class, "saga " + id + " definition");
      this.input = started.data().get("input");
      def.steps().forEach(st -> stepState.put(st.id(), "PENDING"));
      timeline.add(started);
    }

    boolean settled() {
      return !state.equals("RUNNING") && !state.equals("COMPENSATING");
    }

    void apply(SagaEvent ev) {
      if (ev.type() != SagaEvent.Type.STARTED) {
        timeline.add(ev);
      }
      String key = ev.step() + ":" + ev.phase();
      switch (ev.type()) {
        case STARTED -> { }
        case STEP_INTENT -> {
          attempts.put(key, ev.attempt());
          stepState.put(ev.step(), ev.phase().equals(SagaEvent.EXECUTE) ? "RUNNING" : "COMPENSATING");
        }
        case ATTEMPT_FAILED -> { }
        case STEP_DONE -> {
          if (ev.phase().equals(SagaEvent.EXECUTE)) {
            stepState.put(ev.step(), "DONE");
            results.put(ev.step(), ev.data());
          } else {
            stepState.put(ev.step(), ev.data() != null && ev.data().has("skipped") ? "SKIPPED" : "COMPENSATED");
          }
        }
        case STEP_FAILED -> {
          stepState.put(ev.step(), "FAILED");
          state = "COMPENSATING";
          error = ev.errorCode() + ": " + ev.error();
        }
        case COMPLETED -> state = "COMPLETED";
        case COMPENSATED -> state = "COMPENSATED";
        case PARKED -> {
          state = "PARKED";
          parkedStep = ev.step();
          stepState.put(ev.step(), "PARKED");
          error = ev.errorCode() + ": " + ev.error();
        }
        case RESUMED -> {
          state = "COMPENSATING";
          if ("SKIP".equals(ev.data().get("action").asText())) {
            stepState.put(ev.step(), "SKIPPED");
          } else {
            stepState.put(ev.step(), "COMPENSATING");
            compensationBudget.put(ev.step(), attempts.getOrDefault(ev.step() + ":" + SagaEvent.COMPENSATE, 0));
          }
          parkedStep = null;
        }
        default -> throw new IllegalStateException("unknown saga event " + ev.type());
      }
    }

    /** Whether the last event of this step and phase is an intent with no outcome. */
    boolean lastIsIntent(String step, String phase) {
      for (int i = timeline.size() - 1; i >= 0; i--) {
        SagaEvent e = timeline.get(i);
        if (step.equals(e.step()) && phase.equals(e.phase())) {
          return e.type() == SagaEvent.Type.STEP_INTENT;
        }
      }
      return false;
    }

    int attemptsSoFar(String step, String phase) {
      return attempts.getOrDefault(step + ":" + phase, 0);
    }

    int compensationBudgetStart(String step) {
      return compensationBudget.getOrDefault(step, 0);
    }

    /** The first step not yet done, in order. */
    SagaDefinition.Step nextToExecute() {
      for (SagaDefinition.Step st : def.steps()) {
        if (!stepState.get(st.id()).equals("DONE")) {
          return st;
        }
      }
      return null;
    }

    /** The last completed step not yet compensated: strict reverse order. */
    SagaDefinition.Step nextToCompensate() {
      List<SagaDefinition.Step> steps = def.steps();
      for (int i = steps.size() - 1; i >= 0; i--) {
        String st = stepState.get(steps.get(i).id());
        if (st.equals("DONE") || st.equals("COMPENSATING") || st.equals("PARKED")) {
          return steps.get(i);
        }
      }
      return null;
    }

    SagaStatus status() {
      return new SagaStatus(id, def.name(), state, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(stepState)),
          new LinkedHashMap<>(results), parkedStep, error, List.copyOf(timeline));
    }
  }
}
