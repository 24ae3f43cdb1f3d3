package io.datawarehouse.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.deployment.internal.Planner;
import io.datawarehouse.deployment.internal.RolloutRecord;
import io.datawarehouse.deployment.internal.ServiceRecord;
import io.datawarehouse.deployment.internal.Stage;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.config.Durations;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs rollouts: each one a persisted state machine that works through a plan of stages (see the
 * internal {@code Planner}) by talking to the process supervisor and the traffic router over the
 * bus only, so the supervisor and the router may live in another process or on another node.
 *
 * <p>State machine: PROGRESSING works through the plan one stage at a time; a stage that cannot go
 * on (an instance not ready within the progress deadline, a failed canary analysis, a bus error)
 * turns the rollout into ROLLING_BACK with a rollback plan computed from what was done; a rollback
 * that completes ends ROLLED_BACK, one that fails ends FAILED. A step without a pause, or too many
 * inconclusive analyses, is PAUSED until {@link #promote} or {@link #abort}. Every transition is
 * written atomically to {@code <dir>/rollouts/<id>.dwr} before it is published on {@code
 * deployment.events}, so an orchestrator constructed over the same directory after a crash
 * continues each unfinished rollout exactly where it stood (stages are idempotent), or continues
 * rolling it back.
 *
 * <p>Time: all waiting is measured with the injected {@link Time}; {@link #tick()} does one round
 * of work without blocking on time, so tests drive it with a manual time. {@link #start()} runs
 * ticks on a named virtual thread every poll interval.
 *
 * <p>Threading: thread-safe; public methods and ticks are serialised on this object.
 */
public final class Orchestrator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Orchestrator.class);
  private static final int ROLLOUT_MAGIC = FramedFile.magic("DWRO");
  private static final int SERVICE_MAGIC = FramedFile.magic("DWSV");
  private static final int FORMAT = 1;

  /**
   * Options.
   *
   * @param pollInterval how often the background loop ticks
   * @param requestTimeout the timeout of each bus request to the supervisor and the router
   * @param auditTimeout the timeout of an audit write to the tamperproof plugin
   * @param auditRetainDays the retention of audit records in days, or 0 to leave it to the
   *     tamperproof plugin's configuration of namespace {@code deployment}
   */
  public record Options(Duration pollInterval, Duration requestTimeout, Duration auditTimeout, int auditRetainDays) {
    /** 250 ms, 15 s, 5 s, 365 days. */
    public static Options defaults() {
      return new Options(Duration.ofMillis(250), Duration.ofSeconds(15), Duration.ofSeconds(5), 365);
    }
  }

  private final MessageBus bus;
  private final Path dir;
  private final Time time;
  private final Options options;
  private final Map<String, RolloutRecord> rollouts = new TreeMap<>();
  private final Object journalLock = new Object();
  private final java.util.concurrent.atomic.AtomicBoolean replaying = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile boolean closed;
  private Thread loop;

  /**
   * Opens the orchestrator over {@code dir}, loading every rollout; unfinished ones continue at the
   * next tick (each gets a {@code resumed} event).
   *
   * @throws DwException INTEGRITY when a state file does not verify
   */
  public Orchestrator(MessageBus bus, Path dir, Time time, Options options) {
    this.bus = bus;
    this.dir = dir;
    this.time = time;
    this.options = options;
    try {
      Files.createDirectories(dir.resolve("rollouts"));
      Files.createDirectories(dir.resolve("services"));
      Files.createDirectories(dir.resolve("inbox"));
    } catch (IOException e) {
      throw DwException.unavailable("cannot create the orchestrator's directories under " + dir, e);
    }
    AtomicFiles.cleanTemporaryFiles(dir.resolve("rollouts"));
    for (RolloutRecord r : readAll(dir)) {
      rollouts.put(r.id, r);
      if (!r.phase.terminal()) {
        r.stageSince = time.now(); // deadlines and pauses restart: the time we were down is not progress
        r.readySince.clear();
        r.analysisStart = null;
        transition(r, "resumed", "orchestrator restarted: continuing " + r.phase + " at stage " + r.stageIndex);
      }
    }
  }

  /**
   * Installs every service's current routing table on the router again, for a router that
   * restarted with its host: for a service with an unfinished rollout, the last ROUTE (and any
   * SWITCH after it) the rollout executed; otherwise the table of what serves. Best effort: a
   * router that does not answer is logged and skipped.
   */
  public synchronized void restoreRoutes() {
    java.util.Set<String> done = new java.util.HashSet<>();
    for (RolloutRecord r : rollouts.values()) {
      if (r.phase.terminal() || r.spec.routerPort() == null) {
        continue;
      }
      List<Stage> replay = new ArrayList<>();
      for (int i = Math.min(r.stageIndex, r.plan.size()) - 1; i >= 0; i--) {
        Stage s = r.plan.get(i);
        if (s.kind() == Stage.Kind.SWITCH) {
          replay.add(0, s);
        } else if (s.kind() == Stage.Kind.ROUTE) {
          replay.add(0, s);
          break;
        }
      }
      if (!replay.isEmpty() && replay.get(0).kind() == Stage.Kind.ROUTE) {
        done.add(r.spec.service());
        restore(r.spec.service(), replay);
      }
    }
    try (Stream<Path> files = Files.list(dir.resolve("services"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".dws")).sorted().toList()) {
        String service = f.getFileName().toString().replaceFirst("\\.dws$", "");
        ServiceRecord sr = readService(service);
        if (sr == null || done.contains(service) || sr.spec().routerPort() == null || sr.layout().slots().isEmpty()) {
          continue;
        }
        restore(service, List.of(new Stage(Stage.Kind.ROUTE, List.of(), null, new TrafficRoute(service,
            sr.spec().routerPort(), List.of(new TrafficRoute.Pool(sr.spec().version().name(), sr.layout().environment(),
                100, sr.layout().slots().stream().map(sr.spec()::backend).toList()))), null, null, null, "restore")));
      }
    } catch (IOException e) {
      LOG.warn("cannot list the service records: {}", e.toString());
    }
  }

  private void restore(String service, List<Stage> stages) {
    try {
      for (Stage s : stages) {
        if (s.kind() == Stage.Kind.ROUTE) {
          request(DeploymentTopics.TRAFFIC_ROUTE, s.route());
        } else {
          request(DeploymentTopics.ENVIRONMENT_SWITCH, new EnvironmentSwitch(service, s.environment()));
        }
      }
      LOG.info("routes of service '{}' restored on the router", service);
    } catch (DwException e) {
      LOG.warn("could not restore the routes of service '{}': {}", service, e.getMessage());
    }
  }

  /**
   * Restores the routes ({@link #restoreRoutes}), then starts the background loop (ticks every
   * poll interval, and picks up the inbox of the CLI).
   */
  public synchronized void start() {
    if (loop != null) {
      return;
    }
    restoreRoutes();
    loop = Thread.ofVirtual().name("dw-deploy-orchestrator").start(() -> {
      while (!closed) {
        try {
          processInbox();
          tick();
          time.sleep(options.pollInterval());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          LOG.warn("orchestrator tick failed: {}", Health.describe(e));
        }
      }
    });
  }

  /**
   * Starts a rollout of {@code spec}. The first rollout of a service starts every instance
   * (strategy "initial"); later ones use the spec's strategy against the version that serves.
   *
   * @return the new rollout
   * @throws DwException INVALID_ARGUMENT for a bad spec or one that changes nothing;
   *     FAILED_PRECONDITION while another rollout of the service is unfinished
   */
  public synchronized RolloutStatus apply(DeploymentSpec spec) {
    spec.validated("deployment spec");
    requireNoUnfinished(spec.service(), null);
    ServiceRecord current = readService(spec.service());
    RolloutRecord r = new RolloutRecord();
    r.id = spec.service() + "-" + (rollouts.values().stream().filter(x -> x.spec.service().equals(spec.service())).count()
        + 1);
    r.spec = spec;
    r.createdAt = time.now();
    r.stageSince = r.createdAt;
    r.phase = Phase.PROGRESSING;
    Planner.Plan plan;
    if (current == null) {
      r.strategy = "initial";
      r.before = new Planner.Layout(List.of(), null);
      plan = Planner.initial(spec);
    } else {
      if (current.spec().version().name().equals(spec.version().name())) {
        throw DwException.invalidArgument("service '" + spec.service() + "' already runs version "
            + spec.version().name() + ": nothing to roll out");
      }
      if (current.spec().basePort() != spec.basePort() || current.spec().instances() != spec.instances()
          || !java.util.Objects.equals(current.spec().routerPort(), spec.routerPort())) {
        throw DwException.invalidArgument("service '" + spec.service() + "': instances, basePort and routerPort cannot"
            + " change in a rollout (serving: " + current.spec().instances() + " instances, basePort "
            + current.spec().basePort() + ", routerPort " + current.spec().routerPort() + ")");
      }
      r.strategy = spec.strategy().parsedType().name().toLowerCase(Locale.ROOT);
      r.previous = current.spec();
      r.before = current.layout();
      current.layout().slots().forEach(s -> r.instances.put(s, current.spec().version().name()));
      plan = Planner.plan(spec, current.spec(), current.layout());
    }
    r.plan = new ArrayList<>(plan.stages());
    r.after = plan.result();
    rollouts.put(r.id, r);
    transition(r, "started", "rolling out " + spec.version().name() + " ("
        + r.strategy + ", " + r.plan.size() + " stages)");
    return status(r);
  }

  /** One rollout. @throws DwException NOT_FOUND */
  public synchronized RolloutStatus status(String id) {
    return status(get(id));
  }

  /** Every rollout, oldest first. */
  public synchronized List<RolloutStatus> list() {
    return rollouts.values().stream().sorted(Comparator.comparing(r -> r.createdAt)).map(Orchestrator::status).toList();
  }

  /**
   * Skips the current pause or analysis (a PAUSED rollout continues).
   *
   * @throws DwException NOT_FOUND; FAILED_PRECONDITION when the rollout is not at a pause or analysis
   */
  public synchronized RolloutStatus promote(String id) {
    RolloutRecord r = get(id);
    Stage s = r.stageIndex < r.plan.size() ? r.plan.get(r.stageIndex) : null;
    if (r.phase != Phase.PAUSED && (r.phase != Phase.PROGRESSING || s == null
        || (s.kind() != Stage.Kind.PAUSE && s.kind() != Stage.Kind.ANALYZE))) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "rollout " + id + " is " + r.phase + " at '"
          + (s == null ? "the end" : s.label()) + "': only a pause or an analysis can be promoted");
    }
    r.phase = Phase.PROGRESSING;
    r.inconclusive = 0;
    nextStage(r, "promoted", "promoted past '" + (s == null ? "-" : s.label()) + "'");
    return status(r);
  }

  /**
   * Rolls back an unfinished rollout.
   *
   * @throws DwException NOT_FOUND; FAILED_PRECONDITION when it is not PROGRESSING or PAUSED
   */
  public synchronized RolloutStatus abort(String id) {
    RolloutRecord r = get(id);
    if (r.phase != Phase.PROGRESSING && r.phase != Phase.PAUSED) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "rollout " + id + " is " + r.phase
          + ": only a PROGRESSING or PAUSED rollout can be aborted");
    }
    rollBack(r, "aborted", "aborted by request");
    return status(r);
  }

  /**
   * Starts a ROLLED_BACK or FAILED rollout again from its first stage.
   *
   * @throws DwException NOT_FOUND; FAILED_PRECONDITION when it is not ROLLED_BACK or FAILED, or
   *     another rollout of the service is unfinished
   */
  public synchronized RolloutStatus retry(String id) {
    RolloutRecord r = get(id);
    if (r.phase != Phase.ROLLED_BACK && r.phase != Phase.FAILED) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "rollout " + id + " is " + r.phase
          + ": only a ROLLED_BACK or FAILED rollout can be retried");
    }
    requireNoUnfinished(r.spec.service(), r);
    ServiceRecord cur = readService(r.spec.service());
    boolean unchanged = r.previous == null ? cur == null : cur != null
        && cur.spec().version().name().equals(r.previous.version().name()) && cur.layout().equals(r.before);
    if (!unchanged) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "rollout " + id + " cannot be retried: service '"
          + r.spec.service() + "' changed since (now " + (cur == null ? "not deployed" : cur.spec().version().name()
          + " by " + cur.rolloutId()) + "); apply the spec again instead");
    }
    Planner.Plan plan = r.previous == null ? Planner.initial(r.spec) : Planner.plan(r.spec, r.previous, r.before);
    r.plan = new ArrayList<>(plan.stages());
    r.after = plan.result();
    r.stageIndex = 0;
    r.stageSince = time.now();
    r.analysisFailures = 0;
    r.inconclusive = 0;
    r.switched = false;
    r.readySince.clear();
    r.analysisStart = null;
    r.phase = Phase.PROGRESSING;
    transition(r, "retried", "retrying from the first stage");
    return status(r);
  }

  private void requireNoUnfinished(String service, RolloutRecord except) {
    for (RolloutRecord o : rollouts.values()) {
      if (o != except && o.spec.service().equals(service) && !o.phase.terminal()) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "service '" + service + "' has an unfinished rollout "
            + o.id + " (" + o.phase + "); promote, abort or wait for it first");
      }
    }
  }

  /** Does one round of work on every unfinished rollout; never waits for time to pass. */
  public synchronized void tick() {
    for (RolloutRecord r : List.copyOf(rollouts.values())) {
      if (!r.phase.terminal() && r.phase != Phase.PAUSED) {
        step(r);
      }
    }
  }

  /** Stops the background loop. Rollouts stay as persisted and continue when reopened. */
  @Override
  public void close() {
    closed = true;
    Thread t;
    synchronized (this) {
      t = loop;
    }
    if (t != null) {
      t.interrupt();
      try {
        t.join(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- the state machine ----

  private void step(RolloutRecord r) {
    for (int guard = 0; guard < 256 && !closed; guard++) {
      if (r.phase.terminal() || r.phase == Phase.PAUSED) {
        return;
      }
      if (r.stageIndex >= r.plan.size()) {
        finish(r);
        return;
      }
      Stage s = r.plan.get(r.stageIndex);
      boolean done;
      try {
        done = execute(r, s);
      } catch (RuntimeException e) {
        if (closed || Thread.currentThread().isInterrupted()) {
          return; // closing: not a failure of the rollout, which continues when reopened
        }
        DwException d = e instanceof DwException de ? de : DwException.wrap(e, s.label());
        failStage(r, s, d);
        return;
      }
      if (!done) {
        return;
      }
      nextStage(r, "stage", "done: " + s.label());
    }
  }

  private boolean execute(RolloutRecord r, Stage s) {
    Instant now = time.now();
    switch (s.kind()) {
      case START -> {
        DeploymentSpec spec = specOf(r, s.version());
        for (int slot : s.slots()) {
          request(DeploymentTopics.INSTANCE_RESTART, spec.startCommand(slot));
          r.instances.put(slot, s.version());
        }
        return true;
      }
      case STOP -> {
        for (int slot : s.slots()) {
          request(DeploymentTopics.INSTANCE_RESTART, new InstanceCommand(r.spec.instanceId(slot),
              r.instances.get(slot), "stop", null, null, null));
          r.instances.remove(slot);
        }
        return true;
      }
      case ROUTE -> {
        request(DeploymentTopics.TRAFFIC_ROUTE, s.route());
        return true;
      }
      case SWITCH -> {
        request(DeploymentTopics.ENVIRONMENT_SWITCH, new EnvironmentSwitch(r.spec.service(), s.environment()));
        r.switched = r.phase == Phase.PROGRESSING;
        return true;
      }
      case AWAIT_READY -> {
        return awaitReady(r, s, now);
      }
      case PAUSE -> {
        if (s.duration() == null) {
          r.phase = Phase.PAUSED;
          transition(r, "paused", s.label() + ": waiting for promote or abort");
          return false;
        }
        return !now.isBefore(r.stageSince.plus(Durations.parse(s.duration())));
      }
      case ANALYZE -> {
        return analyze(r, s, now);
      }
      default -> throw new IllegalStateException(s.kind().name());
    }
  }

  private boolean awaitReady(RolloutRecord r, Stage s, Instant now) {
    Duration minReady = r.spec.strategy().minReadyDuration();
    List<String> waiting = new ArrayList<>();
    for (int slot : s.slots()) {
      String id = r.spec.instanceId(slot);
      InstanceHealth h = requestJson(DeploymentTopics.HEALTH_CHECK, new HealthCheckRequest(id), InstanceHealth.class);
      if (h.ready() && s.version().equals(h.version())) {
        Instant since = r.readySince.computeIfAbsent(id, k -> now);
        if (since.plus(minReady).isAfter(now)) {
          waiting.add(id + ": ready for less than " + Durations.format(minReady));
        }
      } else if (("EXITED".equals(h.state()) || "FAILED".equals(h.state())) && s.version().equals(h.version())) {
        // RESTARTING is waited for (the supervisor restarts a crashed instance with a backoff); FAILED
        // means it crashed more often than its restart policy allows
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "instance " + id + " at " + h.version()
            + (h.state().equals("FAILED") ? " FAILED after repeated crashes" : " ended while starting") + " ("
            + h.message() + (h.exitCode() == null ? "" : ", exit code " + h.exitCode()) + ")"
            + (h.lastLog() == null || h.lastLog().isEmpty() ? "" : "; last log lines: " + String.join(" | ",
                h.lastLog().subList(Math.max(0, h.lastLog().size() - 5), h.lastLog().size())))
            + "; see its log under the supervisor's instances directory");
      } else {
        r.readySince.remove(id);
        waiting.add(id + ": " + h.state() + " at " + h.version() + " (" + h.message() + ")");
      }
    }
    if (waiting.isEmpty()) {
      return true;
    }
    Duration deadline = r.spec.strategy().progressDeadlineDuration();
    if (now.isAfter(r.stageSince.plus(deadline))) {
      throw DwException.of(ErrorCode.TIMEOUT, "progress deadline " + Durations.format(deadline)
          + " exceeded waiting for " + waiting);
    }
    return false;
  }

  private boolean analyze(RolloutRecord r, Stage s, Instant now) {
    DeploymentSpec.Analysis a = r.spec.strategy().analysis().withDefaults();
    if (r.analysisStart == null) {
      r.analysisStart = stats(r).pools();
      r.stageSince = now;
      persist(r);
      return false;
    }
    if (now.isBefore(r.stageSince.plus(a.intervalDuration()))) {
      return false;
    }
    TrafficStats cur = stats(r);
    TrafficStats.PoolStats canary = delta(cur, r.analysisStart, s.version());
    TrafficStats.PoolStats base = delta(cur, r.analysisStart, s.baseline());
    String counts = "canary " + canary.requests() + " requests, " + canary.errors() + " errors, p"
        + pct(a.latencyPercentile()) + " " + canary.latencyMicros(a.latencyPercentile()) + "us; baseline "
        + base.requests() + " requests, " + base.errors() + " errors, p" + pct(a.latencyPercentile()) + " "
        + base.latencyMicros(a.latencyPercentile()) + "us";
    if (canary.requests() < a.minSamples() || base.requests() < a.minSamples()) {
      r.inconclusive++;
      r.analysisStart = cur.pools();
      r.stageSince = now;
      if (r.inconclusive >= a.inconclusiveLimit()) {
        r.phase = Phase.PAUSED;
        transition(r, "analysis", "inconclusive " + r.inconclusive + " time(s) (fewer than " + a.minSamples()
            + " samples: " + counts + "): paused for promote or abort");
      } else {
        transition(r, "analysis", "inconclusive (fewer than " + a.minSamples() + " samples: " + counts
            + "): measuring again");
      }
      return false;
    }
    List<String> problems = new ArrayList<>();
    double errDelta = canary.errorRate() - base.errorRate();
    if (errDelta > a.maxErrorRateIncrease()) {
      problems.add(String.format(Locale.ROOT, "error rate %.4f vs baseline %.4f (allowed increase %.4f)",
          canary.errorRate(), base.errorRate(), a.maxErrorRateIncrease()));
    }
    long cl = canary.latencyMicros(a.latencyPercentile());
    long bl = base.latencyMicros(a.latencyPercentile());
    if (cl > bl * a.maxLatencyRatio() && cl - bl > a.latencyToleranceMs() * 1000) {
      problems.add("p" + pct(a.latencyPercentile()) + " latency " + cl + "us vs baseline " + bl + "us (allowed ratio "
          + a.maxLatencyRatio() + ")");
    }
    r.inconclusive = 0;
    if (problems.isEmpty()) {
      transition(r, "analysis", "passed: " + counts);
      return true;
    }
    r.analysisFailures++;
    if (r.analysisFailures >= a.failureLimit()) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "canary analysis failed " + r.analysisFailures + " time(s): "
          + String.join("; ", problems) + " (" + counts + ")");
    }
    r.analysisStart = cur.pools();
    r.stageSince = now;
    transition(r, "analysis", "failed (" + r.analysisFailures + " of " + a.failureLimit() + " allowed): "
        + String.join("; ", problems));
    return false;
  }

  private static String pct(double q) {
    double p = q * 100;
    return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
  }

  private static TrafficStats.PoolStats delta(TrafficStats cur, List<TrafficStats.PoolStats> start, String pool) {
    TrafficStats.PoolStats now = cur.pool(pool);
    if (now == null) {
      return new TrafficStats.PoolStats(pool, 0, 0, 0, new long[0]);
    }
    TrafficStats.PoolStats before = start.stream().filter(p -> p.name().equals(pool)).findFirst().orElse(null);
    return now.minus(before);
  }

  private TrafficStats stats(RolloutRecord r) {
    return requestJson(DeploymentTopics.TRAFFIC_STATS, new TrafficStats.Request(r.spec.service()), TrafficStats.class);
  }

  private void failStage(RolloutRecord r, Stage s, DwException e) {
    String why = "'" + s.label() + "' failed: " + e.getMessage();
    LOG.warn("rollout {}: {}", r.id, why);
    if (r.phase == Phase.ROLLING_BACK) {
      r.phase = Phase.FAILED;
      transition(r, "failed", "rollback " + why + "; needs a person: fix the cause, then retry");
      return;
    }
    rollBack(r, "rolling-back", why);
  }

  private void rollBack(RolloutRecord r, String type, String why) {
    Planner.Plan plan = Planner.rollback(r.spec, r.previous, r.before, r.instances, r.switched);
    r.plan = new ArrayList<>(plan.stages());
    r.stageIndex = 0;
    r.stageSince = time.now();
    r.readySince.clear();
    r.analysisStart = null;
    r.phase = Phase.ROLLING_BACK;
    transition(r, type, why + "; rolling back (" + r.plan.size() + " stages)");
  }

  private void nextStage(RolloutRecord r, String type, String message) {
    r.stageIndex++;
    r.stageSince = time.now();
    r.readySince.clear();
    r.analysisStart = null;
    transition(r, type, message);
  }

  private void finish(RolloutRecord r) {
    if (r.phase == Phase.PROGRESSING) {
      writeService(new ServiceRecord(r.spec, r.after, r.id));
      r.phase = Phase.SUCCEEDED;
      transition(r, "succeeded", r.spec.version().name() + " serves");
    } else if (r.phase == Phase.ROLLING_BACK) {
      if (r.previous == null) {
        deleteService(r.spec.service());
      } else {
        writeService(new ServiceRecord(r.previous, r.before, r.id));
      }
      r.phase = Phase.ROLLED_BACK;
      transition(r, "rolled-back", r.previous == null ? "everything started was stopped"
          : r.previous.version().name() + " serves again");
    }
  }

  private DeploymentSpec specOf(RolloutRecord r, String version) {
    if (r.spec.version().name().equals(version)) {
      return r.spec;
    }
    if (r.previous != null && r.previous.version().name().equals(version)) {
      return r.previous;
    }
    throw DwException.internal("rollout " + r.id + " has no spec for version " + version, null);
  }

  private void request(String topic, Object body) {
    bus.requestSync(Message.json(topic, body), options.requestTimeout());
  }

  private <T> T requestJson(String topic, Object body, Class<T> type) {
    return bus.requestSync(Message.json(topic, body), options.requestTimeout()).json(type);
  }

  private RolloutRecord get(String id) {
    RolloutRecord r = rollouts.get(id);
    if (r == null) {
      throw DwException.notFound("no rollout '" + id + "' (rollouts: " + rollouts.keySet() + ")");
    }
    return r;
  }

  // ---- transitions: persist, publish, audit ----

  private void transition(RolloutRecord r, String type, String message) {
    Instant now = time.now();
    Stage s = r.stageIndex < r.plan.size() ? r.plan.get(r.stageIndex) : null;
    DeploymentEvent e = new DeploymentEvent(type, r.id, r.spec.service(), r.strategy, r.spec.version().name(),
        r.previous == null ? null : r.previous.version().name(), r.phase, s == null ? null : s.label(), r.stageIndex,
        r.plan.size(), message, now);
    r.message = message;
    r.updatedAt = now;
    r.history.add(e);
    persist(r);
    LOG.info("rollout {} {}: {} [{}]", r.id, type, message, r.phase);
    try {
      bus.publish(Message.json(DeploymentTopics.EVENTS, e));
    } catch (RuntimeException ex) {
      LOG.warn("rollout {}: could not publish a {} event on {}: {}", r.id, type, DeploymentTopics.EVENTS,
          Health.describe(ex));
    }
    if (!type.equals("stage")) {
      audit(r, e);
    }
  }

  /**
   * Best effort: a ledger record per phase-level transition, when the tamperproof plugin answers.
   * The record id is derived from the event (rollout, time, type), so a replayed entry that had in
   * fact been written is recognised (ALREADY_EXISTS) instead of written twice.
   */
  private void audit(RolloutRecord r, DeploymentEvent e) {
    try {
      bus.request(Message.json(DeploymentTopics.TAMPERPROOF_WRITE, auditWrite(e)), options.auditTimeout())
          .whenComplete((m, ex) -> {
            Throwable c = ex instanceof java.util.concurrent.CompletionException && ex.getCause() != null
                ? ex.getCause() : ex;
            String note;
            if (c == null || c instanceof DwException d && d.code() == ErrorCode.ALREADY_EXISTS) {
              note = "tamperproof";
              replayJournal();
            } else if (c instanceof DwException d && d.code() == ErrorCode.NO_RESPONDERS) {
              note = "not written: no tamperproof plugin answers " + DeploymentTopics.TAMPERPROOF_WRITE;
            } else {
              note = "journaled in audit-journal.jsonl: " + Health.describe(c);
              journal(e);
            }
            synchronized (this) {
              if (!note.equals(r.audit)) {
                r.audit = note;
                if (!note.equals("tamperproof")) {
                  LOG.info("rollout {}: audit entries {}", r.id, note);
                }
              }
            }
          });
    } catch (RuntimeException ex) {
      r.audit = "journaled in audit-journal.jsonl: " + Health.describe(ex);
      journal(e);
    }
  }

  private Map<String, Object> auditWrite(DeploymentEvent e) {
    Map<String, Object> write = new LinkedHashMap<>();
    write.put("namespace", "deployment");
    write.put("id", (e.rolloutId() + "." + e.at().toEpochMilli() + "." + e.type()).replaceAll("[^A-Za-z0-9._-]", "_"));
    write.put("content", Base64.getEncoder().encodeToString(Json.toBytes(e)));
    write.put("contentType", "application/json");
    write.put("metadata", Map.of("rollout", e.rolloutId(), "type", e.type(), "service", e.service()));
    write.put("actor", "deployment");
    if (options.auditRetainDays() > 0) {
      write.put("retainDays", options.auditRetainDays());
    }
    return write;
  }

  private void journal(DeploymentEvent e) {
    synchronized (journalLock) {
      try {
        Files.write(journal(), (Json.toString(e) + "\n").getBytes(StandardCharsets.UTF_8),
            StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
      } catch (IOException ex) {
        LOG.warn("cannot journal an audit entry of rollout {}: {}", e.rolloutId(), ex.toString());
      }
    }
  }

  private Path journal() {
    return dir.resolve("audit-journal.jsonl");
  }

  /** Sends the journaled audit entries, oldest first, on a virtual thread; keeps what fails. */
  private void replayJournal() {
    if (!Files.exists(journal()) || !replaying.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual().name("dw-deploy-audit-replay").start(() -> {
      try {
        synchronized (journalLock) {
          List<String> lines = Files.readAllLines(journal(), StandardCharsets.UTF_8);
          int sent = 0;
          try {
            for (String line : lines) {
              if (!line.isBlank()) {
                DeploymentEvent e = Json.fromBytes(line.getBytes(StandardCharsets.UTF_8), DeploymentEvent.class,
                    journal().toString());
                try {
                  bus.requestSync(Message.json(DeploymentTopics.TAMPERPROOF_WRITE, auditWrite(e)), options.auditTimeout());
                } catch (DwException ex) {
                  if (ex.code() != ErrorCode.ALREADY_EXISTS) {
                    throw ex;
                  }
                }
              }
              sent++;
            }
          } catch (DwException ex) {
            LOG.info("audit journal: {} of {} entries replayed, the rest kept: {}", sent, lines.size(), ex.getMessage());
          }
          if (sent == lines.size()) {
            Files.deleteIfExists(journal());
            LOG.info("audit journal: {} entries replayed to the tamperproof plugin", sent);
          } else if (sent > 0) {
            AtomicFiles.write(journal(), (String.join("\n", lines.subList(sent, lines.size())) + "\n")
                .getBytes(StandardCharsets.UTF_8));
          }
        }
      } catch (IOException | RuntimeException ex) {
        LOG.warn("audit journal replay failed: {}", Health.describe(ex));
      } finally {
        replaying.set(false);
      }
    });
  }

  private void persist(RolloutRecord r) {
    FramedFile.write(dir.resolve("rollouts").resolve(r.id + ".dwr"), ROLLOUT_MAGIC, FORMAT, Json.toBytes(r));
  }

  private ServiceRecord readService(String service) {
    Path f = dir.resolve("services").resolve(service + ".dws");
    if (!Files.exists(f)) {
      return null;
    }
    return Json.fromBytes(FramedFile.read(f, SERVICE_MAGIC, FORMAT, FORMAT).body(), ServiceRecord.class, f.toString());
  }

  private void writeService(ServiceRecord s) {
    FramedFile.write(dir.resolve("services").resolve(s.spec().service() + ".dws"), SERVICE_MAGIC, FORMAT,
        Json.toBytes(s));
  }

  private void deleteService(String service) {
    try {
      Files.deleteIfExists(dir.resolve("services").resolve(service + ".dws"));
    } catch (IOException e) {
      throw DwException.unavailable("cannot delete the service record of '" + service + "'", e);
    }
  }

  private static List<RolloutRecord> readAll(Path dir) {
    List<RolloutRecord> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir.resolve("rollouts"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".dwr")).sorted().toList()) {
        out.add(Json.fromBytes(FramedFile.read(f, ROLLOUT_MAGIC, FORMAT, FORMAT).body(), RolloutRecord.class,
            f.toString()));
      }
    } catch (IOException e) {
      throw DwException.unavailable("cannot list " + dir.resolve("rollouts"), e);
    }
    return out;
  }

  /**
   * Reads the persisted rollouts under an orchestrator directory without running anything (for
   * the CLI), oldest first.
   *
   * @throws DwException INTEGRITY when a state file does not verify
   */
  public static List<RolloutStatus> readStatuses(Path dir) {
    if (!Files.isDirectory(dir.resolve("rollouts"))) {
      return List.of();
    }
    return readAll(dir).stream().sorted(Comparator.comparing(r -> r.createdAt)).map(Orchestrator::status).toList();
  }

  private static RolloutStatus status(RolloutRecord r) {
    Map<String, String> inst = new TreeMap<>();
    r.instances.forEach((slot, v) -> inst.put(r.spec.instanceId(slot), v));
    return new RolloutStatus(r.id, r.spec.service(), r.strategy, r.spec.version().name(),
        r.previous == null ? null : r.previous.version().name(), r.phase, r.stageIndex,
        r.plan.stream().map(Stage::label).toList(), inst, r.analysisFailures, r.message,
        r.audit == null ? "pending" : r.audit, r.createdAt, r.updatedAt, List.copyOf(r.history));
  }

  // ---- the CLI's inbox ----

  /**
   * A command left by the CLI in {@code <dir>/inbox/}.
   *
   * @param command apply, promote, abort or retry
   * @param id the rollout (promote, abort, retry)
   * @param spec the spec as YAML text (apply)
   */
  public record InboxCommand(String command, String id, String spec) {}

  /**
   * The answer written next to an inbox command as {@code <name>.done}.
   *
   * @param ok whether it worked
   * @param rollout the rollout after the command, or null
   * @param error the error code and message, or null
   */
  public record InboxResult(boolean ok, RolloutStatus rollout, String error) {}

  /** Executes the commands waiting in the inbox, writing each one's result beside it. */
  public void processInbox() {
    Path inbox = dir.resolve("inbox");
    List<Path> pending;
    try (Stream<Path> files = Files.list(inbox)) {
      pending = files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      LOG.warn("cannot list the orchestrator inbox {}: {}", inbox, e.toString());
      return;
    }
    for (Path p : pending) {
      InboxResult result;
      try {
        InboxCommand c = Json.fromBytes(Files.readAllBytes(p), InboxCommand.class, p.toString());
        RolloutStatus s = switch (String.valueOf(c.command())) {
          case "apply" -> apply(DeploymentSpec.parse(c.spec(), "the applied spec"));
          case "promote" -> promote(c.id());
          case "abort" -> abort(c.id());
          case "retry" -> retry(c.id());
          default -> throw DwException.invalidArgument("unknown inbox command '" + c.command()
              + "' (apply, promote, abort, retry)");
        };
        result = new InboxResult(true, s, null);
      } catch (IOException e) {
        result = new InboxResult(false, null, "UNAVAILABLE: " + e.getMessage());
      } catch (DwException e) {
        result = new InboxResult(false, null, e.code().wire() + ": " + e.getMessage());
      }
      AtomicFiles.write(inbox.resolve(p.getFileName().toString().replaceFirst("\\.json$", ".done")), Json.toBytes(result));
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        LOG.warn("cannot remove the processed inbox command {}: {}", p, e.toString());
      }
    }
  }

  /** A spec from a JSON tree (the {@code deployment.rollout.apply} payload's {@code spec}). */
  static DeploymentSpec specFrom(JsonNode spec) {
    return DeploymentSpec.fromTree(spec, DeploymentTopics.ROLLOUT_APPLY + " spec");
  }
}
