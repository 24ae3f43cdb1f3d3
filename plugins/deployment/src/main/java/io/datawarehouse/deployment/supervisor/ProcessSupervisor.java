package io.datawarehouse.deployment.supervisor;

import io.datawarehouse.deployment.InstanceCommand;
import io.datawarehouse.deployment.InstanceEvent;
import io.datawarehouse.deployment.InstanceHealth;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, stops and restarts local OS processes, one per instance id, and probes their readiness.
 *
 * <p>Design: each instance is a slot holding at most one live {@link Process}. A restart stops the
 * live process gracefully ({@link Process#destroy()}, which is SIGTERM on Unix, to it and its
 * descendants; {@link Process#destroyForcibly()} after {@code stopTimeout}) and then starts the
 * command for the new version with its output appended to {@code <logDir>/<instance>.log}.
 * Readiness is probed when asked ({@link #health}): an HTTP GET answering 2xx, a TCP connect to a
 * loopback port, or, with neither, the process being alive. {@code readySince} is the first
 * passing probe after the last failing one, so a caller that polls can require a minimum ready
 * time.
 *
 * <p><b>Crashes.</b> A process that ends by itself (any exit code, or a signal) is seen at once
 * through {@link ProcessHandle#onExit()} (and by any {@link #health} that finds it dead first); the
 * instance turns RESTARTING and is started again with the same command after a backoff ({@code
 * restartBackoff}, doubled per crash counted within {@code restartWindow}, at most {@code
 * maxRestartBackoff}). The crash after {@code maxRestarts} restarts within the window turns it
 * FAILED, with the exit code and the last lines of its log, and it stays down until a command for
 * the instance (which also forgets the crashes). Each crash, restart and failure is reported to the
 * event listener (the plugin publishes it on {@code deployment.events}). A stop, restart or start
 * command, and {@link #close}, end the process deliberately: that is never taken for a crash (a
 * per-slot generation is advanced before the process is signalled, and an exit of an older
 * generation is ignored).
 *
 * <p>Each running instance's pid, process start time and command are kept in {@code
 * <logDir>/<instance>.state}; a supervisor constructed over the same directory adopts the processes
 * that still run (after a crash of its host), so they are stopped and restarted as before instead
 * of being left holding their ports. An adopted process's exit code is not known.
 *
 * <p>Threading: thread-safe; commands on one instance are serialised, different instances proceed
 * in parallel. {@link #apply} blocks for up to the stop timeout while a process stops.
 */
public final class ProcessSupervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessSupervisor.class);
  private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /**
   * Options.
   *
   * @param stopTimeout how long a process may take to end after SIGTERM before it is killed
   * @param probeTimeout the connect and request timeout of a readiness probe
   * @param maxRestarts automatic restarts allowed within {@code restartWindow}; the next crash in
   *     the window marks the instance FAILED (0: a crash marks it FAILED at once)
   * @param restartWindow the window in which crashes are counted
   * @param restartBackoff the delay before the first restart; doubled for each further crash in the
   *     window
   * @param maxRestartBackoff the longest delay before a restart
   */
  public record Options(Duration stopTimeout, Duration probeTimeout, int maxRestarts, Duration restartWindow,
      Duration restartBackoff, Duration maxRestartBackoff) {
    /** Validates. */
    public Options {
      if (stopTimeout == null || stopTimeout.isNegative() || probeTimeout == null || probeTimeout.isNegative()
          || probeTimeout.isZero()) {
        throw DwException.invalidArgument("supervisor timeouts must be positive, were stopTimeout=" + stopTimeout
            + ", probeTimeout=" + probeTimeout);
      }
      if (maxRestarts < 0 || restartWindow == null || restartWindow.isNegative() || restartWindow.isZero()
          || restartBackoff == null || restartBackoff.isNegative() || maxRestartBackoff == null
          || maxRestartBackoff.compareTo(restartBackoff) < 0) {
        throw DwException.invalidArgument("supervisor restart policy: maxRestarts >= 0, restartWindow > 0 and"
            + " 0 <= restartBackoff <= maxRestartBackoff, were maxRestarts=" + maxRestarts + ", restartWindow="
            + restartWindow + ", restartBackoff=" + restartBackoff + ", maxRestartBackoff=" + maxRestartBackoff);
      }
    }

    /** The given timeouts and the default restart policy (3 restarts in 60 s, backoff 1 s to 30 s). */
    public Options(Duration stopTimeout, Duration probeTimeout) {
      this(stopTimeout, probeTimeout, 3, Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /** 10 s to stop, 2 s per probe, the default restart policy. */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    /** The same timeouts with another restart policy. */
    public Options withRestarts(int maxRestarts, Duration restartWindow, Duration restartBackoff,
        Duration maxRestartBackoff) {
      return new Options(stopTimeout, probeTimeout, maxRestarts, restartWindow, restartBackoff, maxRestartBackoff);
    }
  }

  /** How many log lines a crash report carries. */
  static final int LOG_TAIL_LINES = 20;

  /** What is persisted per running instance, so a restarted supervisor adopts its processes. */
  record InstanceState(String instance, long pid, java.time.Instant processStart, int starts, InstanceCommand command) {}

  private static final int STATE_MAGIC = io.datawarehouse.sdk.io.FramedFile.magic("DWIN");

  private static final class Slot {
    final String instance;
    /** The process when started by this supervisor; null when adopted. */
    Process process;
    /** The process, started or adopted. */
    ProcessHandle handle;
    String version;
    InstanceCommand command;
    int starts;
    boolean stoppedOnRequest;
    Instant readySince;
    String lastMessage = "never started";
    /** Advanced by every launch and every deliberate stop: an exit of an older generation is not a crash. */
    int generation;
    /** Crash times within the restart window. */
    final java.util.ArrayDeque<Instant> crashes = new java.util.ArrayDeque<>();
    /** A restart waiting for its backoff, or null. */
    java.util.concurrent.ScheduledFuture<?> pendingRestart;
    /** Given up after too many crashes, until the next command. */
    boolean failed;
    /** Of the last process that ended by itself. */
    Integer lastExitCode;
    List<String> lastLog = List.of();

    Slot(String instance) {
      this.instance = instance;
    }
  }

  private final Path logDir;
  private final Time time;
  private final Options options;
  private final HttpClient http;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final java.util.function.Consumer<InstanceEvent> events;
  /** Runs exit callbacks, delayed restarts and event delivery (in order), off the callers' threads. */
  private final java.util.concurrent.ScheduledExecutorService restarter;
  private volatile boolean closed;

  /**
   * @param logDir where the per-instance logs go (created when missing)
   * @param time the time for timestamps
   * @param options timeouts
   */
  public ProcessSupervisor(Path logDir, Time time, Options options) {
    this(logDir, time, options, e -> { });
  }

  /**
   * @param logDir where the per-instance logs go (created when missing)
   * @param time the time for timestamps and the restart window
   * @param options timeouts and restart policy
   * @param events receives crash, restart and failure events, in order, on the supervisor's own
   *     thread (must not block for long)
   */
  public ProcessSupervisor(Path logDir, Time time, Options options, java.util.function.Consumer<InstanceEvent> events) {
    this.events = events;
    this.restarter = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().daemon().name("dw-deploy-restarter").factory());
    this.logDir = logDir;
    this.time = time;
    this.options = options;
    this.http = HttpClient.newBuilder().connectTimeout(options.probeTimeout()).version(HttpClient.Version.HTTP_1_1)
        .build();
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw DwException.unavailable("cannot create the instance log directory " + logDir, e);
    }
    adopt();
  }

  /**
   * Takes over the processes a previous supervisor over the same directory left running (it was
   * killed, or its process restarted): each {@code <instance>.state} names a pid and the process's
   * start time, which must both match a live process (a reused pid does not).
   */
  private void adopt() {
    try (var files = Files.list(logDir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".state")).toList()) {
        InstanceState st = io.datawarehouse.sdk.json.Json.fromBytes(
            io.datawarehouse.sdk.io.FramedFile.read(f, STATE_MAGIC, 1, 1).body(), InstanceState.class, f.toString());
        Slot slot = new Slot(st.instance());
        slot.version = st.command().version();
        slot.command = st.command();
        slot.starts = st.starts();
        ProcessHandle h = ProcessHandle.of(st.pid()).orElse(null);
        if (h != null && h.isAlive() && st.processStart() != null
            && st.processStart().equals(h.info().startInstant().orElse(null))) {
          slot.handle = h;
          slot.lastMessage = "adopted (pid " + st.pid() + ")";
          watch(slot);
          LOG.info("instance {} at version {} adopted (pid {})", st.instance(), slot.version, st.pid());
        } else {
          slot.lastMessage = "ended while no supervisor watched it";
          Files.deleteIfExists(f);
        }
        slots.put(st.instance(), slot);
      }
    } catch (IOException e) {
      throw DwException.unavailable("cannot read the instance states under " + logDir, e);
    }
  }

  private Path stateFile(String instance) {
    return logDir.resolve(instance + ".state");
  }

  /**
   * Runs one command: start, restart or stop an instance. Returns once the new process has been
   * launched (not when it is ready: ask {@link #health}).
   *
   * @return the instance's state right after the command
   * @throws DwException INVALID_ARGUMENT for a bad instance id, action or missing command;
   *     UNAVAILABLE when the process cannot be launched; FAILED_PRECONDITION once closed
   */
  public InstanceHealth apply(InstanceCommand c) {
    if (closed) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "the process supervisor is closed");
    }
    if (c == null || c.instance() == null || !INSTANCE_ID.matcher(c.instance()).matches()) {
      throw DwException.invalidArgument("instance id must match " + INSTANCE_ID.pattern() + ", was '"
          + (c == null ? null : c.instance()) + "'");
    }
    InstanceCommand.Action action = c.parsedAction();
    if (action != InstanceCommand.Action.STOP && (c.command() == null || c.command().isEmpty())) {
      throw DwException.invalidArgument("instance '" + c.instance() + "': " + action.name().toLowerCase(java.util.Locale.ROOT)
          + " needs a command");
    }
    Slot s = slots.computeIfAbsent(c.instance(), Slot::new);
    synchronized (s) {
      // a command takes over from the automatic restarts: forget the crashes, cancel a pending restart
      s.crashes.clear();
      s.failed = false;
      cancelRestart(s);
      switch (action) {
        case STOP -> {
          stop(s);
          s.stoppedOnRequest = true;
        }
        case START -> {
          if (s.handle != null && s.handle.isAlive() && !s.stoppedOnRequest
              && java.util.Objects.equals(s.version, c.version())) {
            return snapshot(s, false);
          }
          stop(s);
          launch(s, c);
        }
        case RESTART -> {
          stop(s);
          launch(s, c);
        }
        default -> throw new IllegalStateException(action.name());
      }
      return snapshot(s, false);
    }
  }

  /**
   * The state of an instance, probing its readiness now.
   *
   * @return the state; UNKNOWN for an instance never started here
   */
  public InstanceHealth health(String instance) {
    return health(instance, true);
  }

  private InstanceHealth health(String instance, boolean probe) {
    Slot s = slots.get(instance);
    if (s == null) {
      return new InstanceHealth(instance, null, "UNKNOWN", false, null, 0, null, null,
          "no instance '" + instance + "' on this supervisor");
    }
    synchronized (s) {
      return snapshot(s, probe);
    }
  }

  /** The state of every instance, probing each. */
  public List<InstanceHealth> list() {
    List<InstanceHealth> out = new ArrayList<>();
    for (String id : new java.util.TreeSet<>(slots.keySet())) {
      out.add(health(id));
    }
    return out;
  }

  /** How many instances this supervisor knows (started, adopted, stopped or ended), without probing. */
  public int instanceCount() {
    return slots.size();
  }

  /** The log file of an instance. */
  public Path logFile(String instance) {
    return logDir.resolve(instance + ".log");
  }

  /** How many instances are FAILED (given up after crashes) and RESTARTING, without probing. */
  public Map<String, List<String>> crashed() {
    List<String> failed = new ArrayList<>();
    List<String> restarting = new ArrayList<>();
    for (String id : new java.util.TreeSet<>(slots.keySet())) {
      String state = health(id, false).state();
      if (state.equals("FAILED")) {
        failed.add(id);
      } else if (state.equals("RESTARTING")) {
        restarting.add(id);
      }
    }
    return Map.of("FAILED", failed, "RESTARTING", restarting);
  }

  /**
   * Stops watching the processes without stopping them, as a crash of the supervisor's host would
   * (for tests of adoption). The supervisor is unusable afterwards.
   */
  void detach() {
    closed = true;
    restarter.shutdownNow();
    http.close();
  }

  /** Stops every instance (gracefully, in parallel). Idempotent. */
  @Override
  public void close() {
    closed = true;
    List<Thread> stoppers = new ArrayList<>();
    for (Slot s : slots.values()) {
      stoppers.add(Thread.ofVirtual().name("dw-deploy-stop-" + s.instance).start(() -> {
        synchronized (s) {
          cancelRestart(s);
          stop(s);
        }
      }));
    }
    for (Thread t : stoppers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    restarter.shutdownNow();
    http.close();
  }

  private void launch(Slot s, InstanceCommand c) {
    ProcessBuilder pb = new ProcessBuilder(c.command());
    if (c.env() != null) {
      pb.environment().putAll(c.env());
    }
    Path log = logFile(s.instance);
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      Files.writeString(log, "--- " + time.now() + " start " + s.instance + " at version " + c.version() + ": "
          + String.join(" ", c.command()) + System.lineSeparator(), java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      s.process = pb.start();
    } catch (IOException e) {
      s.lastMessage = "could not start: " + e.getMessage();
      throw DwException.unavailable("instance '" + s.instance + "': cannot start " + c.command().get(0) + ": "
          + e.getMessage(), e);
    }
    s.handle = s.process.toHandle();
    s.version = c.version();
    s.command = c;
    s.starts++;
    io.datawarehouse.sdk.io.FramedFile.write(stateFile(s.instance), STATE_MAGIC, 1, io.datawarehouse.sdk.json.Json.toBytes(
        new InstanceState(s.instance, s.handle.pid(), s.handle.info().startInstant().orElse(null), s.starts, c)));
    s.stoppedOnRequest = false;
    s.readySince = null;
    s.lastMessage = "started";
    watch(s);
    LOG.info("instance {} started at version {} (pid {})", s.instance, c.version(), s.process.pid());
  }

  /** Starts a new generation for the slot's process and reacts when it ends by itself. */
  private void watch(Slot s) {
    int gen = ++s.generation;
    ProcessHandle h = s.handle;
    java.util.concurrent.CompletableFuture<?> exit = s.process != null ? s.process.onExit() : h.onExit();
    try {
      exit.thenRunAsync(() -> {
        synchronized (s) {
          ended(s, gen);
        }
      }, restarter);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing: nothing to watch
    }
  }

  /**
   * The slot's process of generation {@code gen} ended by itself (called under the slot's lock):
   * schedule a restart after the backoff, or mark it FAILED. A no-op for an older generation (the
   * process was stopped on purpose, or this exit was handled already).
   */
  private void ended(Slot s, int gen) {
    if (gen != s.generation || closed || s.handle == null || alive(s)) {
      return;
    }
    s.generation++; // handled once
    Long pid = s.handle.pid();
    Integer code = s.process != null && s.process.pid() == pid ? s.process.exitValue() : null;
    s.handle = null; // this exit is handled: a later look does not count it again
    s.lastExitCode = code;
    s.lastLog = tail(logFile(s.instance), LOG_TAIL_LINES);
    s.readySince = null;
    forget(s);
    Instant now = time.now();
    while (!s.crashes.isEmpty() && !s.crashes.peekFirst().isAfter(now.minus(options.restartWindow()))) {
      s.crashes.pollFirst();
    }
    s.crashes.addLast(now);
    int crashes = s.crashes.size();
    String what = "exited by itself" + (code == null ? " (exit code unknown)" : " with code " + code);
    if (crashes > options.maxRestarts()) {
      failed(s, pid, what + "; " + crashes + " crash(es) within " + options.restartWindow()
          + " exceed the " + options.maxRestarts() + " restart(s) allowed: not restarted", crashes);
      return;
    }
    long backoff = backoffMillis(crashes);
    int next = s.generation;
    s.lastMessage = what + "; restart " + crashes + " of " + options.maxRestarts() + " within "
        + options.restartWindow() + " in " + backoff + " ms";
    LOG.warn("instance {} at version {} (pid {}) {}", s.instance, s.version, pid, s.lastMessage);
    try {
      s.pendingRestart = restarter.schedule(() -> {
        synchronized (s) {
          restart(s, next);
        }
      }, backoff, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return; // closing
    }
    emit(new InstanceEvent("instance-crashed", s.instance, s.version, pid, code, Math.max(0, s.starts - 1), crashes,
        backoff, s.lastLog, s.lastMessage, now));
  }

  private void failed(Slot s, Long pid, String message, int crashes) {
    s.failed = true;
    s.pendingRestart = null;
    s.lastMessage = message;
    LOG.error("instance {} at version {} FAILED: {}; last log lines:{}{}", s.instance, s.version, message,
        System.lineSeparator(), String.join(System.lineSeparator(), s.lastLog));
    emit(new InstanceEvent("instance-failed", s.instance, s.version, pid, s.lastExitCode, Math.max(0, s.starts - 1),
        crashes, 0, s.lastLog, message, time.now()));
  }

  /** The delayed restart of generation {@code gen} (under the slot's lock). */
  private void restart(Slot s, int gen) {
    if (gen != s.generation || closed || s.pendingRestart == null) {
      return; // a command or a stop came first
    }
    s.pendingRestart = null;
    try {
      launch(s, s.command);
    } catch (DwException e) {
      s.lastLog = tail(logFile(s.instance), LOG_TAIL_LINES);
      failed(s, null, "the automatic restart could not launch the process: " + e.getMessage(), s.crashes.size());
      return;
    }
    emit(new InstanceEvent("instance-restarted", s.instance, s.version, s.handle.pid(), null, Math.max(0, s.starts - 1),
        s.crashes.size(), 0, List.of(), "restarted after a crash (restart " + s.crashes.size() + " of "
        + options.maxRestarts() + " within " + options.restartWindow() + ")", time.now()));
  }

  private long backoffMillis(int crashes) {
    long base = options.restartBackoff().toMillis();
    long max = options.maxRestartBackoff().toMillis();
    return Math.min(max, base << Math.min(30, crashes - 1));
  }

  private void cancelRestart(Slot s) {
    if (s.pendingRestart != null) {
      s.pendingRestart.cancel(false);
      s.pendingRestart = null;
    }
  }

  private void emit(InstanceEvent e) {
    try {
      restarter.execute(() -> {
        try {
          events.accept(e);
        } catch (RuntimeException ex) {
          LOG.warn("instance {}: the {} event listener failed: {}", e.instance(), e.type(), ex.toString());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException ex) {
      // closing
    }
  }

  /** The last {@code n} lines of a log file (from at most its last 16 KiB); empty when unreadable. */
  static List<String> tail(Path file, int n) {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
      long size = ch.size();
      int len = (int) Math.min(size, 16 * 1024);
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(len);
      long pos = size - len;
      while (buf.hasRemaining()) {
        int r = ch.read(buf, pos + buf.position());
        if (r < 0) {
          break;
        }
      }
      String text = new String(buf.array(), 0, buf.position(), java.nio.charset.StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(List.of(text.split("\\R")));
      if (pos > 0 && !lines.isEmpty()) {
        lines.remove(0); // probably cut
      }
      lines.removeIf(String::isBlank);
      return List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException e) {
      return List.of();
    }
  }

  private void stop(Slot s) {
    s.generation++; // whatever ends now was asked to
    ProcessHandle p = s.handle;
    if (p == null || !p.isAlive()) {
      s.readySince = null;
      forget(s);
      return;
    }
    List<ProcessHandle> children = p.descendants().toList();
    p.destroy();
    children.forEach(ProcessHandle::destroy);
    boolean ended = waitFor(p, options.stopTimeout());
    if (!ended) {
      LOG.warn("instance {} (pid {}) did not stop within {} after SIGTERM: killing it", s.instance, p.pid(),
          options.stopTimeout());
      p.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
      waitFor(p, options.stopTimeout());
    }
    s.readySince = null;
    s.lastMessage = ended ? "stopped" : "killed after the stop timeout";
    forget(s);
    LOG.info("instance {} at version {} {}", s.instance, s.version, s.lastMessage);
  }

  private void forget(Slot s) {
    try {
      Files.deleteIfExists(stateFile(s.instance));
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", stateFile(s.instance), e.toString());
    }
  }

  private static boolean waitFor(ProcessHandle p, Duration timeout) {
    try {
      p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return !p.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Whether the slot's process runs. A process this supervisor started is asked through its
   * {@link Process}, whose answer changes only once the JDK has reaped it, so an exit seen here
   * always has its exit code ({@link ProcessHandle#isAlive()} can report a process gone a moment
   * before {@link Process#exitValue()} stops throwing). An adopted process has only its handle.
   */
  private static boolean alive(Slot s) {
    ProcessHandle h = s.handle;
    if (h == null) {
      return false;
    }
    return s.process != null && s.process.pid() == h.pid() ? s.process.isAlive() : h.isAlive();
  }

  private InstanceHealth snapshot(Slot s, boolean probe) {
    ProcessHandle p = s.handle;
    if (p != null && !alive(s) && !s.stoppedOnRequest) {
      ended(s, s.generation); // seen dead before the exit callback ran: handle it now
    }
    int restarts = Math.max(0, s.starts - 1);
    if (s.failed || s.pendingRestart != null) {
      return new InstanceHealth(s.instance, s.version, s.failed ? "FAILED" : "RESTARTING", false, null, restarts, null,
          s.lastExitCode, s.lastMessage, s.lastLog);
    }
    if (p == null) {
      return new InstanceHealth(s.instance, s.version, s.stoppedOnRequest ? "STOPPED" : "UNKNOWN", false, null, restarts,
          null, null, s.lastMessage);
    }
    if (!alive(s)) {
      s.readySince = null;
      if (s.stoppedOnRequest) {
        return new InstanceHealth(s.instance, s.version, "STOPPED", false, null, restarts, null, null, s.lastMessage);
      }
      Integer code = s.process == null ? null : s.process.exitValue();
      return new InstanceHealth(s.instance, s.version, "EXITED", false, null, restarts, null, code,
          "exited" + (code == null ? "" : " with code " + code) + (closed ? " (the supervisor is closed)" : ""),
          tail(logFile(s.instance), LOG_TAIL_LINES));
    }
    if (probe) {
      String problem = probe(s.command.readiness());
      if (problem == null) {
        if (s.readySince == null) {
          s.readySince = time.now();
        }
        s.lastMessage = "ready";
      } else {
        s.readySince = null;
        s.lastMessage = problem;
      }
    }
    boolean ready = s.readySince != null;
    return new InstanceHealth(s.instance, s.version, ready ? "READY" : "STARTING", ready, p.pid(), restarts,
        s.readySince, null, s.lastMessage);
  }

  /** null when ready, else what failed. */
  private String probe(InstanceCommand.Readiness r) {
    if (r == null || (r.httpUrl() == null && r.tcpPort() == null)) {
      return null;
    }
    if (r.httpUrl() != null) {
      try {
        HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(URI.create(r.httpUrl())).timeout(options.probeTimeout())
            .GET().build(), HttpResponse.BodyHandlers.discarding());
        return resp.statusCode() / 100 == 2 ? null : "readiness probe " + r.httpUrl() + " answered " + resp.statusCode();
      } catch (IOException | IllegalArgumentException e) {
        return "readiness probe " + r.httpUrl() + " failed: " + e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", r.tcpPort()), (int) options.probeTimeout().toMillis());
      return null;
    } catch (IOException e) {
      return "readiness probe tcp 127.0.0.1:" + r.tcpPort() + " failed: " + e.getMessage();
    }
  }
}
