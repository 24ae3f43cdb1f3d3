package io.datawarehouse.sdk.provider;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Durations;
import io.datawarehouse.sdk.config.Secrets;
import io.datawarehouse.sdk.config.Sizes;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.io.RecordLog;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider pattern (ARCHITECTURE.md): a backend that needs an external service, wrapped so
 * that an outage degrades service instead of breaking it, and loses nothing acknowledged.
 *
 * <h2>States</h2>
 * <pre>
 *   start ──connect+probe ok──▶ CONNECTED ◀──────── journal replayed ───┐
 *     │                            │ probe fails, a write cannot reach   │
 *     │ unreachable                │ the service, or the breaker opens   │
 *     ▼                            ▼                                     │
 *   DEGRADED ◀───── replay fails ── RECOVERING ◀── probe ok ── DEGRADED ─┘
 * </pre>
 *
 * <ul>
 *   <li>CONNECTED: every call goes to the real backend, through retries with exponential backoff
 *       for transient errors and a circuit breaker.
 *   <li>DEGRADED: reads and writes are served by the in-memory fallback (an instance of the same
 *       SPI). Every write is first appended to the journal (a {@link RecordLog} under the plugin's
 *       data directory, forced to disk) and only then acknowledged. One WARN line names the backend,
 *       its target (password masked) and the cause.
 *   <li>RECOVERING: the probe passed; the journal is replayed in order to the real backend with
 *       the plugin's idempotent {@link Applier}, recording progress in a checkpoint file, while new
 *       writes keep going to the journal. When caught up, writes pause for the last records, the
 *       journal is emptied, the fallback reset, and one INFO line reports how many writes were
 *       replayed.
 * </ul>
 *
 * A restart with a non-empty journal reloads it into the fallback and replays it as soon as the
 * backend answers; a crash during replay replays again from the last checkpoint, and idempotent
 * application means nothing is applied twice in effect. The fallback is bounded (writes and bytes)
 * and so is the journal: when full, writes fail with UNAVAILABLE saying so, and nothing
 * acknowledged is evicted. With {@code requireReal} there is no fallback at all.
 *
 * <p>A missing connector (its class is not on the classpath, or no factory serves the scheme) is
 * treated like an unreachable service.
 *
 * <p>Reads while degraded see only what the fallback holds (writes made during the outage). Use
 * {@link #readOrUnavailable} for lookups, so a miss becomes UNAVAILABLE ("the backend is down")
 * instead of a false NOT_FOUND.
 *
 * <p>Thread-safe. Calls run on the caller's thread; the probe runs on the given scheduler and
 * replays on a virtual thread.
 *
 * @param <B> the plugin's backend SPI
 */
public final class ResilientBackend<B> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResilientBackend.class);
  private static final int CHECKPOINT_MAGIC = FramedFile.magic("DWRC");
  private static final int CHECKPOINT_EVERY = 64;

  /** Where the wrapper stands. */
  public enum State { STARTING, CONNECTED, DEGRADED, RECOVERING, CLOSED }

  /** Opens the real backend; throws when it is unreachable (or its connector is missing). */
  @FunctionalInterface
  public interface Connector<B> {
    B connect() throws Exception;
  }

  /** Checks that a connected backend answers; throws when it does not. */
  @FunctionalInterface
  public interface Probe<B> {
    void check(B backend) throws Exception;
  }

  /** Applies one write to a backend (the real one, or the fallback). Must be idempotent per record. */
  @FunctionalInterface
  public interface Applier<B> {
    void apply(B backend, JournalRecord record) throws Exception;
  }

  /** Releases a real backend. */
  @FunctionalInterface
  public interface Closer<B> {
    void close(B backend) throws Exception;
  }

  /** An operation on the backend that returns a value. */
  @FunctionalInterface
  public interface Operation<B, T> {
    T apply(B backend) throws Exception;
  }

  private final String name;
  private final String target;
  private final Connector<B> connector;
  private final Probe<B> probe;
  private final Applier<B> applier;
  private final Closer<B> closer;
  private final Supplier<B> fallbackFactory;
  private final ResilienceOptions options;
  private final Path journalDir;
  private final Time time;
  private final ScheduledExecutorService scheduler;
  private final Predicate<Throwable> isTransient;
  private final CircuitBreaker breaker;
  private final Retry retry;
  private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
  private final Object transitions = new Object();

  private volatile State state = State.STARTING;
  private volatile B real;
  private volatile B fallback;
  private volatile String lastError;
  private volatile Instant since;
  private RecordLog journal;
  private final List<JournalRecord> memoryJournal = new ArrayList<>();
  private long pendingRecords;
  private long pendingBytes;
  private long replayedUpTo;
  private ScheduledFuture<?> probeTask;
  private volatile boolean replaying;
  private final AtomicLong directIds = new AtomicLong();

  private final Counter replayedCounter;
  private final Counter failureCounter;
  private final Counter degradedCounter;
  private final AtomicLong replayedTotal = new AtomicLong();

  private ResilientBackend(Builder<B> b) {
    this.name = Objects.requireNonNull(b.name, "name");
    this.target = Secrets.maskInline(Objects.requireNonNull(b.target, "target"));
    this.connector = Objects.requireNonNull(b.connector, "connector");
    this.probe = Objects.requireNonNull(b.probe, "probe");
    this.applier = Objects.requireNonNull(b.applier, "applier");
    this.closer = b.closer;
    this.fallbackFactory = b.fallback;
    this.options = b.options;
    this.journalDir = b.journalDir;
    this.time = b.time;
    this.scheduler = b.scheduler;
    this.isTransient = b.isTransient;
    if (!options.requireReal()) {
      Objects.requireNonNull(fallbackFactory, "fallback (needed unless requireReal)");
      if (options.durableJournal()) {
        Objects.requireNonNull(journalDir, "journalDir (needed for a durable journal)");
      }
    }
    this.breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(20)
        .minimumNumberOfCalls(5)
        .failureRateThreshold(options.breakerFailureRate())
        .waitDurationInOpenState(options.probeInterval())
        .recordException(isTransient::test)
        .build());
    this.retry = Retry.of(name, RetryConfig.custom()
        .maxAttempts(options.retries() + 1)
        .intervalFunction(IntervalFunction.ofExponentialBackoff(Math.max(1, options.retryBackoff().toMillis()), 2.0))
        .retryOnException(isTransient::test)
        .build());
    MeterRegistry m = b.metrics;
    Tags tags = Tags.of("backend", name);
    String prefix = b.metricsPrefix;
    Gauge.builder(prefix + ".state", this, r -> r.state.ordinal()).tags(tags)
        .description("0 starting, 1 connected, 2 degraded, 3 recovering, 4 closed").register(m);
    Gauge.builder(prefix + ".fallback.records", this, r -> r.pendingRecordsSnapshot()).tags(tags).register(m);
    Gauge.builder(prefix + ".fallback.bytes", this, r -> r.pendingBytesSnapshot()).tags(tags).register(m);
    Gauge.builder(prefix + ".journal.bytes", this, r -> r.journalBytes()).tags(tags).register(m);
    this.replayedCounter = Counter.builder(prefix + ".replayed").tags(tags).description("journaled writes replayed").register(m);
    this.failureCounter = Counter.builder(prefix + ".failures").tags(tags).description("calls that failed on the real backend").register(m);
    this.degradedCounter = Counter.builder(prefix + ".degradations").tags(tags).description("transitions into DEGRADED").register(m);
  }

  public static <B> Builder<B> builder(String name) {
    return new Builder<>(name);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Opens the journal (reloading writes left by a previous run into the fallback), connects and
   * probes, and starts the periodic probe.
   *
   * @throws DwException UNAVAILABLE with the cause when the backend is unreachable and {@code
   *     requireReal} is set; INTEGRITY when the journal is damaged
   */
  public void start() {
    if (!options.requireReal()) {
      fallback = fallbackFactory.get();
      openJournal();
    }
    Throwable cause = tryConnect();
    if (cause == null) {
      if (pendingRecords() > 0) {
        setState(State.RECOVERING);
        LOG.info("backend '{}' ({}) is reachable; replaying {} writes journaled by an earlier run", name, target, pendingRecords());
        replay();
      } else {
        setState(State.CONNECTED);
        LOG.info("backend '{}' connected to {}", name, target);
      }
    } else if (options.requireReal()) {
      setState(State.CLOSED);
      throw DwException.of(ErrorCode.UNAVAILABLE, "backend '" + name + "' at " + target + " is unreachable: "
          + Health.describe(cause) + " (requireReal is set, so there is no fallback)", cause);
    } else {
      degrade(cause);
    }
    long every = options.probeInterval().toNanos();
    probeTask = scheduler.scheduleWithFixedDelay(this::probeSafely, every, every, TimeUnit.NANOSECONDS);
  }

  /** Connects (when not connected) and probes; returns the failure or null. */
  private Throwable tryConnect() {
    try {
      B r = real;
      if (r == null) {
        r = connector.connect();
        if (r == null) {
          throw DwException.of(ErrorCode.UNAVAILABLE, "the connector returned no backend");
        }
        real = r;
      }
      probe.check(r);
      return null;
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      B r = real;
      real = null;
      closeQuietly(r);
      return e;
    }
  }

  private void probeSafely() {
    try {
      probeOnce();
    } catch (Throwable e) {
      LOG.debug("backend '{}': probe task failed", name, e);
    }
  }

  /** Runs one health probe now: notices an outage when connected, starts recovery when degraded. */
  public void probeOnce() {
    switch (state) {
      case CONNECTED -> {
        B r = real;
        try {
          probe.check(r);
        } catch (Exception e) {
          if (options.requireReal()) {
            lastError = Health.describe(e);
          } else {
            degrade(e);
          }
        }
      }
      case DEGRADED -> {
        if (replaying) {
          return;
        }
        Throwable cause = tryConnect();
        if (cause == null) {
          synchronized (transitions) {
            if (state != State.DEGRADED) {
              return;
            }
            setState(State.RECOVERING);
            replaying = true;
          }
          LOG.info("backend '{}' ({}) answers again; replaying {} journaled writes", name, target, pendingRecords());
          Thread.ofVirtual().name("dw-replay-" + name).start(() -> {
            try {
              replay();
            } finally {
              replaying = false;
            }
          });
        } else {
          lastError = Health.describe(cause);
          LOG.debug("backend '{}' still unreachable: {}", name, lastError);
        }
      }
      default -> {
        // STARTING, RECOVERING, CLOSED: nothing to do
      }
    }
  }

  @Override
  public void close() {
    synchronized (transitions) {
      if (state == State.CLOSED && real == null && journal == null) {
        return;
      }
      state = State.CLOSED;
    }
    if (probeTask != null) {
      probeTask.cancel(false);
    }
    gate.writeLock().lock();
    try {
      closeQuietly(real);
      real = null;
      if (journal != null) {
        journal.close();
        journal = null;
      }
    } finally {
      gate.writeLock().unlock();
    }
  }

  private void closeQuietly(B backend) {
    if (backend != null && closer != null) {
      try {
        closer.close(backend);
      } catch (Exception e) {
        LOG.debug("backend '{}': closing the client failed", name, e);
      }
    }
  }

  // ------------------------------------------------------------------ reads

  /**
   * Runs a read on the real backend when connected (retries, breaker), else on the fallback.
   *
   * @throws DwException UNAVAILABLE when the real backend failed and the call could not be served
   */
  public <T> T read(Operation<B, T> op) {
    gate.readLock().lock();
    try {
      if (state == State.CONNECTED) {
        try {
          return callReal(op);
        } catch (RealBackendFailure f) {
          if (options.requireReal() || state != State.DEGRADED) {
            throw f.toDw("read");
          }
        }
      }
      return onFallback(op);
    } finally {
      gate.readLock().unlock();
    }
  }

  /**
   * A lookup: like {@link #read}, but while degraded an empty result from the fallback (which
   * holds only writes made during the outage) is UNAVAILABLE, not a false "not found".
   */
  public <T> Optional<T> readOrUnavailable(Operation<B, Optional<T>> op) {
    gate.readLock().lock();
    try {
      if (state == State.CONNECTED) {
        try {
          return callReal(op);
        } catch (RealBackendFailure f) {
          if (options.requireReal() || state != State.DEGRADED) {
            throw f.toDw("read");
          }
        }
      }
      Optional<T> r = onFallback(op);
      if (r.isEmpty()) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "backend '" + name + "' (" + target + ") is " + state.name().toLowerCase(java.util.Locale.ROOT)
            + " and its fallback holds only writes made since the outage; this item is not among them: retry when it recovers");
      }
      return r;
    } finally {
      gate.readLock().unlock();
    }
  }

  private <T> T onFallback(Operation<B, T> op) {
    if (options.requireReal()) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "backend '" + name + "' (" + target + ") is unreachable: " + lastError);
    }
    try {
      return op.apply(fallback);
    } catch (DwException e) {
      throw e;
    } catch (Exception e) {
      throw DwException.internal("backend '" + name + "' fallback failed: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ writes

  /**
   * Writes. Connected: applied to the real backend (retries, breaker). When the real backend cannot
   * be reached, or while degraded: appended to the journal (forced to disk), applied to the
   * fallback, and acknowledged; replayed later.
   *
   * @throws DwException UNAVAILABLE when degraded and the fallback or journal is full (nothing was
   *     written), or when {@code requireReal} and the backend failed; the plugin's own error (e.g.
   *     INVALID_ARGUMENT) when the backend rejected the write
   */
  public void write(String type, String key, byte[] payload) {
    gate.readLock().lock();
    try {
      String idempotencyKey = null;
      if (state == State.CONNECTED) {
        JournalRecord direct = new JournalRecord(0, "direct-" + Long.toHexString(System.nanoTime()) + "-" + directIds.incrementAndGet(), type, key, payload);
        try {
          callReal(b -> {
            applier.apply(b, direct);
            return null;
          });
          return;
        } catch (RealBackendFailure f) {
          if (options.requireReal()) {
            throw f.toDw("write");
          }
          // maybe not applied: degrade, then journal it below under the same idempotency key, so
          // it is kept, replayed in order, and applied at most once in effect
          degrade(f.getCause());
          idempotencyKey = direct.idempotencyKey();
        }
      }
      if (options.requireReal()) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "backend '" + name + "' (" + target + ") is unreachable: " + lastError);
      }
      journalAndApply(type, key, payload, idempotencyKey);
    } finally {
      gate.readLock().unlock();
    }
  }

  private void journalAndApply(String type, String key, byte[] payload, String idempotencyKey) {
    synchronized (memoryJournal) {
      long size = new JournalRecord(0, "x", type, key, payload).sizeBytes();
      if (pendingRecords + 1 > options.fallbackMaxRecords() || pendingBytes + size > options.fallbackMaxBytes()) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "backend '" + name + "' (" + target + ") is down and its fallback is full ("
            + pendingRecords + " writes, " + Sizes.format(pendingBytes) + "; limits " + options.fallbackMaxRecords() + " writes, "
            + Sizes.format(options.fallbackMaxBytes()) + "); this write was not taken; retry when the backend recovers");
      }
      JournalRecord rec;
      if (journal != null) {
        if (journal.sizeBytes() + size + 16 > options.journalMaxBytes()) {
          throw DwException.of(ErrorCode.UNAVAILABLE, "backend '" + name + "' (" + target + ") is down and its journal is full ("
              + Sizes.format(journal.sizeBytes()) + " of " + Sizes.format(options.journalMaxBytes())
              + "); this write was not taken; retry when the backend recovers");
        }
        long seq = journal.nextSeq();
        rec = new JournalRecord(seq, idempotencyKey != null ? idempotencyKey : journal.epoch() + ":" + seq, type, key, payload);
        journal.append(rec.encode(), true);
      } else {
        long seq = memoryJournal.size() + replayedUpTo + 1;
        rec = new JournalRecord(seq, idempotencyKey != null ? idempotencyKey : "mem-" + System.identityHashCode(this) + ":" + seq, type, key, payload);
        memoryJournal.add(rec);
      }
      pendingRecords++;
      pendingBytes += size;
      try {
        applier.apply(fallback, rec);
      } catch (Exception e) {
        // journaled, so it will reach the real backend; the fallback just cannot show it
        LOG.warn("backend '{}': journaled write {} could not be applied to the fallback: {}", name, rec, Health.describe(e));
      }
    }
  }

  // ------------------------------------------------------------------ the real backend

  /** A call to the real backend failed after retries, or the breaker refused it. */
  private static final class RealBackendFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String target;

    RealBackendFailure(String name, String target, Throwable cause) {
      super(cause);
      this.name = name;
      this.target = target;
    }

    DwException toDw(String what) {
      return DwException.of(ErrorCode.UNAVAILABLE, "backend '" + name + "' (" + target + ") " + what + " failed: "
          + Health.describe(getCause()), getCause());
    }
  }

  private <T> T callReal(Operation<B, T> op) {
    B r = real;
    Callable<T> call = () -> op.apply(r);
    try {
      return breaker.executeCallable(Retry.decorateCallable(retry, call));
    } catch (CallNotPermittedException e) {
      failureCounter.increment();
      if (!options.requireReal()) {
        degrade(e);
      }
      throw new RealBackendFailure(name, target, e);
    } catch (Exception e) {
      if (!isTransient.test(e)) {
        if (e instanceof DwException dw) {
          throw dw;
        }
        throw DwException.internal("backend '" + name + "' rejected the call: " + Health.describe(e), e);
      }
      failureCounter.increment();
      lastError = Health.describe(e);
      if (breaker.getState() == CircuitBreaker.State.OPEN && !options.requireReal()) {
        degrade(e);
      }
      throw new RealBackendFailure(name, target, e);
    }
  }

  // ------------------------------------------------------------------ transitions

  private void degrade(Throwable cause) {
    synchronized (transitions) {
      lastError = Health.describe(cause);
      if (state == State.DEGRADED || state == State.CLOSED) {
        return;
      }
      setState(State.DEGRADED);
      degradedCounter.increment();
    }
    LOG.warn("backend '{}' ({}) is unreachable: {}; serving from the in-memory fallback, {} writes are journaled{} and replayed when it returns",
        name, target, lastError, pendingRecords(), journal != null ? " to " + journal.path() : " in memory");
  }

  private void setState(State s) {
    state = s;
    since = time.now();
  }

  /** Replays the journal to the real backend, then switches to CONNECTED. Runs in RECOVERING. */
  private void replay() {
    long start = System.nanoTime();
    long n = 0;
    try {
      while (true) {
        List<JournalRecord> batch = pendingBatch(1024);
        if (batch.isEmpty()) {
          // caught up: stop writes for the final step, replay what arrived meanwhile, switch
          gate.writeLock().lock();
          try {
            List<JournalRecord> rest = pendingBatch(Integer.MAX_VALUE);
            n += applyAll(rest);
            finishReplay();
            synchronized (transitions) {
              if (state == State.RECOVERING) {
                setState(State.CONNECTED);
              }
            }
          } finally {
            gate.writeLock().unlock();
          }
          breaker.reset();
          LOG.info("backend '{}' ({}) recovered: replayed {} journaled writes in {}", name, target, n,
              Durations.format(Duration.ofNanos(System.nanoTime() - start)));
          return;
        }
        n += applyAll(batch);
      }
    } catch (Throwable e) {
      if (e instanceof VirtualMachineError vme) {
        throw vme;
      }
      LOG.debug("backend '{}': replay stopped after {} writes", name, n, e);
      B r = real;
      real = null;
      closeQuietly(r);
      synchronized (transitions) {
        if (state == State.RECOVERING) {
          setState(State.STARTING); // so degrade() logs the transition
        }
      }
      degrade(e);
    }
  }

  private long applyAll(List<JournalRecord> batch) throws Exception {
    long n = 0;
    B r = real;
    for (JournalRecord rec : batch) {
      Callable<Void> c = () -> {
        applier.apply(r, rec);
        return null;
      };
      Retry.decorateCallable(retry, c).call();
      n++;
      replayedCounter.increment();
      replayedTotal.incrementAndGet();
      synchronized (memoryJournal) {
        replayedUpTo = rec.seq();
        pendingRecords = Math.max(0, pendingRecords - 1);
        pendingBytes = Math.max(0, pendingBytes - rec.sizeBytes());
      }
      if (n % CHECKPOINT_EVERY == 0) {
        writeCheckpoint();
      }
    }
    if (n > 0) {
      writeCheckpoint();
    }
    return n;
  }

  /** Up to {@code max} journaled records after the replay checkpoint. */
  private List<JournalRecord> pendingBatch(int max) {
    synchronized (memoryJournal) {
      List<JournalRecord> out = new ArrayList<>();
      if (journal != null) {
        long from = replayedUpTo + 1;
        journal.forEachFrom(from, e -> {
          if (out.size() < max) {
            out.add(JournalRecord.decode(e.seq(), e.payload(), journal.path().toString()));
          }
        });
      } else {
        for (JournalRecord r : memoryJournal) {
          if (r.seq() > replayedUpTo && out.size() < max) {
            out.add(r);
          }
        }
      }
      return out;
    }
  }

  /** Empties the journal and the fallback once everything reached the real backend. */
  private void finishReplay() {
    synchronized (memoryJournal) {
      if (journal != null) {
        journal.clear();
        try {
          Files.deleteIfExists(checkpointPath());
        } catch (IOException e) {
          LOG.debug("backend '{}': cannot delete the replay checkpoint", name, e);
        }
        replayedUpTo = journal.nextSeq() - 1;
      } else {
        memoryJournal.clear();
      }
      pendingRecords = 0;
      pendingBytes = 0;
      fallback = fallbackFactory.get();
    }
  }

  private Path checkpointPath() {
    return journalDir.resolve(name + ".replayed");
  }

  private void writeCheckpoint() {
    if (journal == null) {
      return;
    }
    ByteBuffer b = ByteBuffer.allocate(16).putLong(journal.epoch()).putLong(replayedUpTo);
    FramedFile.write(checkpointPath(), CHECKPOINT_MAGIC, 1, b.array());
  }

  private void openJournal() {
    if (!options.durableJournal()) {
      return;
    }
    try {
      Files.createDirectories(journalDir);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot create journal directory " + journalDir + ": " + e.getMessage(), e);
    }
    journal = RecordLog.open(journalDir.resolve(name + ".journal"));
    replayedUpTo = journal.firstSeq() - 1;
    Path cp = checkpointPath();
    if (Files.exists(cp)) {
      ByteBuffer b = ByteBuffer.wrap(FramedFile.read(cp, CHECKPOINT_MAGIC, 1, 1).body());
      long epoch = b.getLong();
      long upTo = b.getLong();
      if (epoch == journal.epoch()) {
        replayedUpTo = Math.max(replayedUpTo, upTo);
      }
    }
    // writes journaled by an earlier run: the fallback must show them, and they count against its limits
    for (JournalRecord rec : pendingBatch(Integer.MAX_VALUE)) {
      pendingRecords++;
      pendingBytes += rec.sizeBytes();
      try {
        applier.apply(fallback, rec);
      } catch (Exception e) {
        LOG.warn("backend '{}': journaled write {} could not be applied to the fallback: {}", name, rec, Health.describe(e));
      }
    }
    if (pendingRecords > 0) {
      LOG.info("backend '{}': {} writes journaled by an earlier run wait for replay ({})", name, pendingRecords, journal.path());
    }
  }

  // ------------------------------------------------------------------ observation

  public State state() {
    return state;
  }

  public String name() {
    return name;
  }

  /** The target with its password masked. */
  public String target() {
    return target;
  }

  /** Writes journaled and not yet replayed. */
  public long pendingRecords() {
    synchronized (memoryJournal) {
      return pendingRecords;
    }
  }

  private double pendingRecordsSnapshot() {
    return pendingRecords();
  }

  private double pendingBytesSnapshot() {
    synchronized (memoryJournal) {
      return pendingBytes;
    }
  }

  private double journalBytes() {
    synchronized (memoryJournal) {
      return journal == null ? 0 : journal.sizeBytes();
    }
  }

  /** Writes replayed to the real backend since this wrapper started. */
  public long replayedTotal() {
    return replayedTotal.get();
  }

  /** Health for {@code system.health}: UP when connected, DEGRADED with the cause otherwise. */
  public Health health() {
    State s = state;
    Map<String, Object> d = new java.util.LinkedHashMap<>();
    d.put("target", target);
    d.put("state", s.name());
    if (since != null) {
      d.put("since", since.toString());
    }
    d.put("pendingWrites", pendingRecords());
    d.put("pendingBytes", (long) pendingBytesSnapshot());
    d.put("journalBytes", (long) journalBytes());
    d.put("replayed", replayedTotal.get());
    d.put("failures", (long) failureCounter.count());
    if (lastError != null) {
      d.put("lastError", lastError);
    }
    Health h = switch (s) {
      case CONNECTED -> Health.up("connected to " + target);
      case RECOVERING -> Health.degraded("recovering: replaying " + pendingRecords() + " journaled writes to " + target);
      case DEGRADED -> Health.degraded(target + " unreachable (" + lastError + "); serving from the fallback, "
          + pendingRecords() + " writes journaled");
      case STARTING -> Health.down("starting");
      case CLOSED -> options.requireReal() && lastError != null ? Health.down(target + " unreachable: " + lastError) : Health.down("closed");
    };
    return h.withDetails(d);
  }

  @Override
  public String toString() {
    return "ResilientBackend[" + name + " -> " + target + ", " + state + "]";
  }

  // ------------------------------------------------------------------ builder

  /** Configures a {@link ResilientBackend}. Not thread-safe. */
  public static final class Builder<B> {
    private final String name;
    private String target;
    private Connector<B> connector;
    private Probe<B> probe;
    private Applier<B> applier;
    private Closer<B> closer;
    private Supplier<B> fallback;
    private ResilienceOptions options = ResilienceOptions.defaults();
    private Path journalDir;
    private Time time = Time.SYSTEM;
    private ScheduledExecutorService scheduler;
    private MeterRegistry metrics = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private String metricsPrefix = "dw.backend";
    private Predicate<Throwable> isTransient = ResilientBackend::defaultTransient;

    private Builder(String name) {
      if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
        throw DwException.invalidArgument("backend name must be letters, digits, '.', '_' or '-': '" + name + "'");
      }
      this.name = name;
    }

    /** Where the backend is (a connection string; its password is masked in logs and health). */
    public Builder<B> target(String target) {
      this.target = target;
      return this;
    }

    public Builder<B> connector(Connector<B> connector) {
      this.connector = connector;
      return this;
    }

    public Builder<B> probe(Probe<B> probe) {
      this.probe = probe;
      return this;
    }

    /** Applies a journaled write to a backend; must be idempotent per {@link JournalRecord#idempotencyKey()}. */
    public Builder<B> applier(Applier<B> applier) {
      this.applier = applier;
      return this;
    }

    public Builder<B> closer(Closer<B> closer) {
      this.closer = closer;
      return this;
    }

    /** Creates a new, empty in-memory fallback (called at start and after each recovery). */
    public Builder<B> fallback(Supplier<B> factory) {
      this.fallback = factory;
      return this;
    }

    public Builder<B> options(ResilienceOptions options) {
      this.options = Objects.requireNonNull(options);
      return this;
    }

    /** Directory of the durable journal (normally under the plugin's data directory). */
    public Builder<B> journalDir(Path dir) {
      this.journalDir = dir;
      return this;
    }

    public Builder<B> time(Time time) {
      this.time = Objects.requireNonNull(time);
      return this;
    }

    /** Runs the periodic probe (the plugin context's scheduler). */
    public Builder<B> scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Registers state, fallback, journal, replay and failure metrics as {@code <prefix>.*{backend=name}}. */
    public Builder<B> metrics(MeterRegistry registry, String prefix) {
      this.metrics = Objects.requireNonNull(registry);
      this.metricsPrefix = Objects.requireNonNull(prefix);
      return this;
    }

    /**
     * Which failures are transient (retried, count toward the breaker, make the backend
     * DEGRADED). Default: any exception except a non-retriable {@link DwException}.
     */
    public Builder<B> transientWhen(Predicate<Throwable> predicate) {
      this.isTransient = Objects.requireNonNull(predicate);
      return this;
    }

    public ResilientBackend<B> build() {
      Objects.requireNonNull(scheduler, "scheduler");
      return new ResilientBackend<>(this);
    }
  }

  /** Any failure except a non-retriable DwException (a rejection by the backend, not an outage). */
  public static boolean defaultTransient(Throwable t) {
    if (t instanceof DwException dw) {
      return dw.isRetriable();
    }
    return t instanceof Exception;
  }
}
