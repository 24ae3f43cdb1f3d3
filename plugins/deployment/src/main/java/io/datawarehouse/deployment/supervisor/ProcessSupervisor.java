package io.datawarehouse.deployment.supervisor;

import io.datawarehouse.deployment.InstanceCommand;
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
 * time. A process that ends by itself is reported EXITED with its exit code; it is not restarted
 * automatically (the orchestrator decides).
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
   */
  public record Options(Duration stopTimeout, Duration probeTimeout) {
    /** Validates. */
    public Options {
      if (stopTimeout == null || stopTimeout.isNegative() || probeTimeout == null || probeTimeout.isNegative()
          || probeTimeout.isZero()) {
        throw DwException.invalidArgument("supervisor timeouts must be positive, were stopTimeout=" + stopTimeout
            + ", probeTimeout=" + probeTimeout);
      }
    }

    /** 10 s to stop, 2 s per probe. */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(10), Duration.ofSeconds(2));
    }
  }

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

    Slot(String instance) {
      this.instance = instance;
    }
  }

  private final Path logDir;
  private final Time time;
  private final Options options;
  private final HttpClient http;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param logDir where the per-instance logs go (created when missing)
   * @param time the time for timestamps
   * @param options timeouts
   */
  public ProcessSupervisor(Path logDir, Time time, Options options) {
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
      switch (action) {
        case STOP -> {
          stop(s);
          s.stoppedOnRequest = true;
        }
        case START -> {
          if (s.handle != null && s.handle.isAlive() && java.util.Objects.equals(s.version, c.version())) {
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
    Slot s = slots.get(instance);
    if (s == null) {
      return new InstanceHealth(instance, null, "UNKNOWN", false, null, 0, null, null,
          "no instance '" + instance + "' on this supervisor");
    }
    synchronized (s) {
      return snapshot(s, true);
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

  /** Stops every instance (gracefully, in parallel). Idempotent. */
  @Override
  public void close() {
    closed = true;
    List<Thread> stoppers = new ArrayList<>();
    for (Slot s : slots.values()) {
      stoppers.add(Thread.ofVirtual().name("dw-deploy-stop-" + s.instance).start(() -> {
        synchronized (s) {
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
    LOG.info("instance {} started at version {} (pid {})", s.instance, c.version(), s.process.pid());
  }

  private void stop(Slot s) {
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

  private InstanceHealth snapshot(Slot s, boolean probe) {
    ProcessHandle p = s.handle;
    int restarts = Math.max(0, s.starts - 1);
    if (p == null) {
      return new InstanceHealth(s.instance, s.version, s.stoppedOnRequest ? "STOPPED" : "UNKNOWN", false, null, restarts,
          null, null, s.lastMessage);
    }
    if (!p.isAlive()) {
      s.readySince = null;
      String state = s.stoppedOnRequest ? "STOPPED" : "EXITED";
      Integer code = s.process == null ? null : s.process.exitValue();
      return new InstanceHealth(s.instance, s.version, state, false, null, restarts, null, code,
          s.stoppedOnRequest ? s.lastMessage : "exited" + (code == null ? "" : " with code " + code));
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
