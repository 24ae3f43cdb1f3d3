package io.datawarehouse.kernel;

import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.kernel.config.ConfigLoader;
import io.datawarehouse.kernel.config.KernelConfig;
import io.datawarehouse.kernel.internal.KernelPluginContext;
import io.datawarehouse.kernel.internal.PluginOrder;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.BusStatistics;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageBusFactory;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Durations;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel: loads configuration, creates the bus, discovers plugins with {@link ServiceLoader},
 * starts them in dependency order, answers {@code system.health}, and stops everything in reverse
 * order.
 *
 * <p>Failure isolation: a plugin whose start throws (or takes longer than {@code
 * kernel.startTimeout}) is marked DOWN with its cause, plugins that require it are marked DOWN too,
 * and the rest keep running. Configuration errors, duplicate plugin ids and dependency cycles stop
 * the kernel from starting at all, with a message naming the problem.
 *
 * <p>Thread-safe. {@link #stop()} is idempotent; callers install their own shutdown hook.
 */
public final class Kernel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Kernel.class);
  private static final Pattern PLUGIN_ID = Pattern.compile("[a-z][a-z0-9-]{0,31}");
  /** Topic answered by the kernel with the health of every plugin. */
  public static final String HEALTH_TOPIC = "system.health";

  /** Lifecycle of the kernel. */
  public enum State { NEW, STARTING, RUNNING, STOPPING, STOPPED }

  /** Lifecycle of one plugin. */
  public enum PluginState { DISABLED, WAITING, STARTING, RUNNING, FAILED, STOPPED }

  private final Config config;
  private final List<String> configWarnings;
  private final Map<String, String> configOrigins;
  private final List<Plugin> plugins;
  private final List<String> loadErrors;
  private final Path dataDir;
  private final Time time;
  private final MeterRegistry metrics;
  private final MessageBus bus;
  private final boolean ownsBus;
  private final ScheduledExecutorService scheduler;
  private final Map<String, Runtime> runtimes = new LinkedHashMap<>();
  private final List<Runtime> started = new ArrayList<>();
  private final Object lock = new Object();
  private volatile State state = State.NEW;
  private volatile Instant startedAt;
  private Subscription healthSubscription;

  /** What the kernel knows about one plugin. */
  private static final class Runtime {
    final Plugin plugin;
    volatile PluginState state = PluginState.WAITING;
    volatile Throwable failure;
    volatile String reason;
    volatile Duration startDuration;

    Runtime(Plugin plugin) {
      this.plugin = plugin;
    }
  }

  private Kernel(Builder b, Config config, List<String> warnings, Map<String, String> origins, List<Plugin> plugins,
      List<String> loadErrors) {
    this.config = config;
    this.configWarnings = warnings;
    this.configOrigins = origins;
    this.plugins = plugins;
    this.loadErrors = loadErrors;
    this.time = b.time;
    this.metrics = b.metrics != null ? b.metrics : new SimpleMeterRegistry();
    this.dataDir = Path.of(config.getString("dataDir")).toAbsolutePath().normalize();
    if (b.bus != null) {
      this.bus = b.bus;
      this.ownsBus = false;
    } else {
      this.bus = createBus(config.getSection("bus"), time, metrics);
      this.ownsBus = true;
    }
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "dw-scheduler-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    s.setRemoveOnCancelPolicy(true);
    this.scheduler = s;
    for (Plugin p : plugins) {
      runtimes.put(p.id(), new Runtime(p));
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Starts every enabled plugin in dependency order and begins answering {@code system.health}.
   *
   * @throws DwException FAILED_PRECONDITION when called twice or on a dependency cycle,
   *     UNAVAILABLE when the data directory cannot be created
   */
  public void start() {
    synchronized (lock) {
      if (state != State.NEW) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "the kernel was already started (state " + state + ")");
      }
      state = State.STARTING;
    }
    startedAt = time.now();
    for (String w : configWarnings) {
      LOG.warn(w);
    }
    for (String e : loadErrors) {
      LOG.error(e);
    }
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      state = State.STOPPED;
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot create the data directory " + dataDir + ": " + e.getMessage(), e);
    }
    registerMetrics();
    List<Plugin> order = PluginOrder.order(plugins);
    Duration startTimeout = config.getSection("kernel").getDuration("startTimeout");
    for (Plugin p : order) {
      Runtime rt = runtimes.get(p.id());
      Config section = config.getSection(p.id());
      if (!section.isTrue("enabled")) {
        rt.state = PluginState.DISABLED;
        rt.reason = "disabled in configuration (" + p.id() + ".enabled: false)";
        continue;
      }
      String missing = missingRequirement(p);
      if (missing != null) {
        rt.state = PluginState.FAILED;
        rt.reason = missing;
        LOG.error("plugin '{}' not started: {}", p.id(), missing);
        continue;
      }
      startPlugin(rt, section, startTimeout);
    }
    healthSubscription = bus.subscribe(HEALTH_TOPIC, SubscribeOptions.group("kernel").withName("kernel-health"),
        m -> Message.replyTo(m).json(healthReport()).build());
    state = State.RUNNING;
    long running = runtimes.values().stream().filter(r -> r.state == PluginState.RUNNING).count();
    long failed = runtimes.values().stream().filter(r -> r.state == PluginState.FAILED).count();
    LOG.info("kernel started: {} plugins running, {} failed, data in {}", running, failed, dataDir);
  }

  private String missingRequirement(Plugin p) {
    for (String r : p.requires()) {
      Runtime dep = runtimes.get(r);
      if (dep == null) {
        return "requires plugin '" + r + "', which is not installed";
      }
      if (dep.state == PluginState.DISABLED) {
        return "requires plugin '" + r + "', which is disabled";
      }
      if (dep.state != PluginState.RUNNING) {
        return "requires plugin '" + r + "', which failed to start";
      }
    }
    return null;
  }

  private void startPlugin(Runtime rt, Config section, Duration timeout) {
    Plugin p = rt.plugin;
    Path dir = dataDir.resolve(p.id());
    rt.state = PluginState.STARTING;
    long t0 = System.nanoTime();
    try {
      Files.createDirectories(dir);
      KernelPluginContext ctx = new KernelPluginContext(p.id(), bus, section, dir, metrics, time, scheduler);
      try {
        onVirtualThread("dw-start-" + p.id(), () -> p.start(ctx)).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        throw DwException.of(ErrorCode.TIMEOUT, "did not start within " + Durations.format(timeout)
            + " (kernel.startTimeout)", e);
      }
      rt.startDuration = Duration.ofNanos(System.nanoTime() - t0);
      rt.state = PluginState.RUNNING;
      started.add(rt);
      LOG.info("plugin '{}' started in {}", p.id(), Durations.format(rt.startDuration));
    } catch (Throwable e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      rt.state = PluginState.FAILED;
      rt.failure = cause;
      rt.reason = "failed to start: " + Health.describe(cause);
      LOG.error("plugin '{}' {}; the other plugins keep running", p.id(), rt.reason, cause);
      stopQuietly(rt, Duration.ofSeconds(5));
    }
  }

  /**
   * Stops plugins in reverse start order, then drains and closes the bus (when the kernel created
   * it). Idempotent and safe to call from a shutdown hook.
   */
  public void stop() {
    synchronized (lock) {
      if (state == State.STOPPING || state == State.STOPPED || state == State.NEW) {
        if (state == State.NEW) {
          state = State.STOPPED;
          closeResources();
        }
        return;
      }
      state = State.STOPPING;
    }
    LOG.info("kernel stopping");
    if (healthSubscription != null) {
      healthSubscription.unsubscribe();
    }
    Duration stopTimeout = config.getSection("kernel").getDuration("stopTimeout");
    for (int i = started.size() - 1; i >= 0; i--) {
      Runtime rt = started.get(i);
      stopQuietly(rt, stopTimeout);
      rt.state = PluginState.STOPPED;
    }
    closeResources();
    state = State.STOPPED;
    LOG.info("kernel stopped");
  }

  private void closeResources() {
    if (ownsBus) {
      bus.close();
    }
    scheduler.shutdownNow();
  }

  private void stopQuietly(Runtime rt, Duration timeout) {
    try {
      onVirtualThread("dw-stop-" + rt.plugin.id(), rt.plugin::stop).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      LOG.error("plugin '{}' did not stop within {} (kernel.stopTimeout); continuing shutdown", rt.plugin.id(),
          Durations.format(timeout));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      LOG.error("plugin '{}' failed to stop cleanly: {}", rt.plugin.id(), Health.describe(e.getCause()), e.getCause());
    }
  }

  /** Something a plugin does that may throw. */
  @FunctionalInterface
  private interface Action {
    void run() throws Exception;
  }

  /** Runs {@code action} on a new virtual thread; the future says how it ended (callers bound the wait). */
  private static CompletableFuture<Void> onVirtualThread(String name, Action action) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    Thread.ofVirtual().name(name).start(() -> {
      try {
        action.run();
        f.complete(null);
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    return f;
  }

  @Override
  public void close() {
    stop();
  }

  // ------------------------------------------------------------------ health

  /** The health of every plugin, aggregated: the worst status wins; disabled plugins do not count. */
  public Health health() {
    Map<String, Health> components = new LinkedHashMap<>();
    for (Runtime rt : runtimes.values()) {
      if (rt.state == PluginState.DISABLED) {
        continue;
      }
      components.put(rt.plugin.id(), pluginHealth(rt));
    }
    String msg = switch (state) {
      case RUNNING -> components.isEmpty() ? "running, no plugins" : "running";
      default -> state.name().toLowerCase(java.util.Locale.ROOT);
    };
    Health h = Health.aggregate(msg, components);
    if (state != State.RUNNING) {
      h = new Health(Health.Status.DOWN, msg, h.details(), h.components());
    }
    return h;
  }

  private Health pluginHealth(Runtime rt) {
    return switch (rt.state) {
      case RUNNING -> {
        try {
          Health h = rt.plugin.health();
          yield h == null ? Health.down("health() returned null") : h;
        } catch (Throwable e) {
          yield Health.down("health check threw", e);
        }
      }
      case FAILED -> Health.down(rt.reason);
      case WAITING, STARTING -> Health.down("starting");
      case STOPPED -> Health.down("stopped");
      case DISABLED -> Health.up("disabled");
    };
  }

  /** The body of the {@code system.health} reply (and {@code GET /api/health}). */
  public Map<String, Object> healthReport() {
    Health h = health();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("status", h.status());
    r.put("message", h.message());
    r.put("startedAt", startedAt == null ? null : startedAt.toString());
    r.put("dataDir", dataDir.toString());
    Map<String, Object> ps = new LinkedHashMap<>();
    for (Runtime rt : runtimes.values()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("state", rt.state);
      Health ph = rt.state == PluginState.DISABLED ? Health.up("disabled") : h.components().get(rt.plugin.id());
      one.put("health", ph);
      if (rt.startDuration != null) {
        one.put("startMillis", rt.startDuration.toMillis());
      }
      ps.put(rt.plugin.id(), one);
    }
    r.put("plugins", ps);
    BusStatistics s = bus.statistics();
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("published", s.published());
    b.put("delivered", s.delivered());
    b.put("failed", s.failed());
    b.put("dropped", s.dropped());
    b.put("requests", s.requests());
    b.put("timeouts", s.timeouts());
    b.put("subscriptions", s.subscriptions());
    r.put("bus", b);
    if (!loadErrors.isEmpty()) {
      r.put("loadErrors", loadErrors);
    }
    return r;
  }

  private void registerMetrics() {
    FunctionCounter.builder("dw.bus.published", bus, x -> x.statistics().published()).description("messages published").register(metrics);
    FunctionCounter.builder("dw.bus.delivered", bus, x -> x.statistics().delivered()).description("handler invocations").register(metrics);
    FunctionCounter.builder("dw.bus.failed", bus, x -> x.statistics().failed()).description("handler invocations that threw").register(metrics);
    FunctionCounter.builder("dw.bus.dropped", bus, x -> x.statistics().dropped()).description("queued messages dropped by unsubscribe").register(metrics);
    FunctionCounter.builder("dw.bus.requests", bus, x -> x.statistics().requests()).register(metrics);
    FunctionCounter.builder("dw.bus.timeouts", bus, x -> x.statistics().timeouts()).register(metrics);
    Gauge.builder("dw.bus.subscriptions", bus, x -> x.statistics().subscriptions()).register(metrics);
    for (Runtime rt : runtimes.values()) {
      Gauge.builder("dw.kernel.plugin.status", rt, r -> switch (pluginHealth(r).status()) {
        case UP -> 0;
        case DEGRADED -> 1;
        case DOWN -> 2;
      }).tag("plugin", rt.plugin.id()).description("0 up, 1 degraded, 2 down").register(metrics);
    }
  }

  // ------------------------------------------------------------------ accessors

  public State state() {
    return state;
  }

  public MessageBus bus() {
    return bus;
  }

  /** The whole validated configuration. */
  public Config config() {
    return config;
  }

  /** Where each explicitly set key came from (file, environment variable, override). */
  public Map<String, String> configOrigins() {
    return configOrigins;
  }

  public Path dataDir() {
    return dataDir;
  }

  public MeterRegistry metrics() {
    return metrics;
  }

  public Time time() {
    return time;
  }

  /** Installed plugin ids, in discovery order. */
  public List<String> pluginIds() {
    return List.copyOf(runtimes.keySet());
  }

  /** The state of one plugin; NOT_FOUND for an unknown id. */
  public PluginState pluginState(String id) {
    Runtime rt = runtimes.get(id);
    if (rt == null) {
      throw DwException.notFound("no plugin '" + id + "' is installed; installed: " + runtimes.keySet());
    }
    return rt.state;
  }

  /** The plugin instance with {@code id}, for embedding applications and tests. */
  public Plugin plugin(String id) {
    Runtime rt = runtimes.get(id);
    if (rt == null) {
      throw DwException.notFound("no plugin '" + id + "' is installed; installed: " + runtimes.keySet());
    }
    return rt.plugin;
  }

  /** Problems met while discovering plugins (a class that failed to load). */
  public List<String> loadErrors() {
    return loadErrors;
  }

  // ------------------------------------------------------------------ bus creation

  static MessageBus createBus(Config busConfig, Time time, MeterRegistry metrics) {
    String type = busConfig.getString("type");
    if (type.equalsIgnoreCase("inprocess")) {
      return new InProcessMessageBus(new InProcessMessageBus.Options(
          busConfig.getInt("queueCapacity"),
          busConfig.getDuration("publishTimeout"),
          (int) (long) busConfig.getSize("maxPayload"),
          busConfig.getDuration("drainTimeout")));
    }
    List<String> known = new ArrayList<>(List.of("inprocess"));
    for (MessageBusFactory f : ServiceLoader.load(MessageBusFactory.class)) {
      if (f.type().equalsIgnoreCase(type)) {
        return f.create(busConfig, time, metrics);
      }
      known.add(f.type());
    }
    throw DwException.invalidArgument("bus.type '" + type + "' is not available; available: " + String.join(", ", known)
        + (type.equalsIgnoreCase("nats") ? " (the nats bus needs dw-bus-nats on the classpath)" : ""));
  }

  // ------------------------------------------------------------------ builder

  /** Configures a {@link Kernel}. Not thread-safe. */
  public static final class Builder {
    private Path configFile;
    private Map<String, String> env = Map.of();
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private List<Plugin> plugins;
    private ClassLoader classLoader;
    private final Map<String, ConfigDef> extraSections = new LinkedHashMap<>();
    private MessageBus bus;
    private Time time = Time.SYSTEM;
    private MeterRegistry metrics;

    private Builder() {}

    /** Reads this YAML file (null: none). */
    public Builder configFile(Path file) {
      this.configFile = file;
      return this;
    }

    /** Environment variables to apply ({@code System.getenv()} in production; none by default). */
    public Builder env(Map<String, String> env) {
      this.env = Map.copyOf(env);
      return this;
    }

    /** Sets one key (dotted path) with the highest precedence, as a command-line option does. */
    public Builder override(String keyPath, String value) {
      overrides.put(keyPath, value);
      return this;
    }

    /** Shorthand for {@code override("dataDir", dir)}. */
    public Builder dataDir(Path dir) {
      return override("dataDir", dir.toString());
    }

    /** Uses exactly these plugins instead of discovering them. */
    public Builder plugins(List<? extends Plugin> list) {
      this.plugins = List.copyOf(list);
      return this;
    }

    /** Discovers plugins with this class loader (default: the thread's context class loader). */
    public Builder classLoader(ClassLoader cl) {
      this.classLoader = cl;
      return this;
    }

    /** Adds a section of the embedding application to the configuration file (the server's {@code server}). */
    public Builder section(String name, ConfigDef def) {
      extraSections.put(name, def);
      return this;
    }

    /** Uses this bus instead of creating one from {@code bus.*}; the kernel will not close it. */
    public Builder bus(MessageBus bus) {
      this.bus = bus;
      return this;
    }

    public Builder time(Time time) {
      this.time = Objects.requireNonNull(time);
      return this;
    }

    public Builder metrics(MeterRegistry registry) {
      this.metrics = registry;
      return this;
    }

    /**
     * Discovers plugins, loads and validates the configuration, creates the bus.
     *
     * @throws DwException INVALID_ARGUMENT for bad configuration or plugin ids; FAILED_PRECONDITION
     *     for duplicate ids
     */
    public Kernel build() {
      List<String> loadErrors = new ArrayList<>();
      List<Plugin> found = plugins != null ? plugins : discover(loadErrors);
      validateIds(found);
      ConfigDef root = KernelConfig.rootDef(found, extraSections);
      ConfigLoader.Loaded loaded = ConfigLoader.load(root, configFile, env, overrides);
      return new Kernel(this, loaded.config(), loaded.warnings(), loaded.origins(), found, List.copyOf(loadErrors));
    }

    private List<Plugin> discover(List<String> errors) {
      ClassLoader cl = classLoader != null ? classLoader : Thread.currentThread().getContextClassLoader();
      List<Plugin> out = new ArrayList<>();
      var it = ServiceLoader.load(Plugin.class, cl).stream().iterator();
      while (true) {
        ServiceLoader.Provider<Plugin> provider;
        try {
          if (!it.hasNext()) {
            break;
          }
          provider = it.next();
        } catch (ServiceConfigurationError e) {
          errors.add("a plugin could not be loaded: " + Health.describe(e));
          continue;
        }
        try {
          out.add(provider.get());
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
          errors.add("plugin class " + provider.type().getName() + " could not be created: " + Health.describe(e));
        }
      }
      return out;
    }

    private static void validateIds(List<Plugin> found) {
      Map<String, Plugin> seen = new LinkedHashMap<>();
      for (Plugin p : found) {
        String id = p.id();
        if (id == null || !PLUGIN_ID.matcher(id).matches()) {
          throw DwException.invalidArgument("plugin " + p.getClass().getName() + " has an invalid id '" + id
              + "': use lower-case letters, digits and '-', starting with a letter, at most 32 characters");
        }
        if (List.of("dataDir", "kernel", "bus", "server").contains(id)) {
          throw DwException.invalidArgument("plugin " + p.getClass().getName() + " uses the reserved id '" + id + "'");
        }
        Plugin other = seen.putIfAbsent(id, p);
        if (other != null) {
          throw DwException.of(ErrorCode.FAILED_PRECONDITION, "two plugins have the id '" + id + "': "
              + other.getClass().getName() + " and " + p.getClass().getName());
        }
      }
    }
  }
}
