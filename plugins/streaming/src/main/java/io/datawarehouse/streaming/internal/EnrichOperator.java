package io.datawarehouse.streaming.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.RetriableDwException;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.streaming.DropReason;
import io.datawarehouse.streaming.enrich.Enrichment;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The enrichment operator: asynchronous lookups with a capacity, retries inside one deadline,
 * a circuit breaker, and a TTL cache with negative entries.
 *
 * <p>Design: the task thread starts a lookup per record (or answers it from the cache) and keeps
 * the record in an {@link Entry}. Lookups and their retries run off the task thread; a finished one
 * is put on a completion queue, which the task thread drains on every record, every poll and while
 * it waits for capacity, so all emission and all cache and state changes stay on the task thread.
 *
 * <ul>
 *   <li>Ordered: records and watermarks wait in one queue in arrival order; the head leaves when
 *       done.
 *   <li>Unordered: a record leaves when its lookup is done; a watermark leaves once every record
 *       that arrived before it has left (records may overtake each other, never a watermark).
 *   <li>Capacity: with {@code capacity} lookups in flight, a new record waits, draining
 *       completions; the wait counts as backpressure.
 *   <li>Retries: a retriable failure is retried after {@code min(max, initial * 2^(n-1))} scaled by
 *       a random factor in {@code [1 - jitter, 1]}, as long as the next attempt can start before the
 *       deadline; each attempt gets {@code min(attemptTimeout, time left)}. Backoff waits sleep on
 *       {@link Time} on a virtual thread, so tests drive them with a manual time.
 *   <li>With a cache, a record whose key is already being looked up waits for that answer
 *       instead of sending a second request.
 *   <li>A checkpoint first waits for every lookup in flight: no lookup state is ever checkpointed.
 * </ul>
 */
final class EnrichOperator implements Downstream<Object> {
  private final String name;
  private final TaskContext ctx;
  private final Downstream<Object> next;
  private final Enrichment<Object, Object, Object> spec;
  private final Time time;
  private final CircuitBreaker breaker;
  private final TtlCache cache;
  private final LinkedBlockingQueue<Entry> completions = new LinkedBlockingQueue<>();
  private final ArrayDeque<Entry> queue = new ArrayDeque<>(); // ordered: records and watermarks
  private final TreeSet<Long> inFlightSeqs = new TreeSet<>(); // unordered
  private final ArrayDeque<long[]> heldWatermarks = new ArrayDeque<>(); // unordered: {seq boundary, wm}
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Records waiting for the answer to a lookup of the same cache key already in flight. */
  private final Map<Object, List<Entry>> waiting = new java.util.HashMap<>();
  private final ExecutorService waits = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("dw-stream-enrich-backoff-", 0).factory());
  private long seq;

  /** A record (or, ordered, a watermark) waiting to leave. */
  private static final class Entry {
    final long seq;
    final Object record;
    final long ts;
    final boolean watermark;
    volatile boolean done;
    Object value;
    Throwable failure;
    int attempts;
    Object cacheKey;

    Entry(long seq, Object record, long ts, boolean watermark) {
      this.seq = seq;
      this.record = record;
      this.ts = ts;
      this.watermark = watermark;
    }
  }

  /** A failed lookup with its attempt count and drop reason. */
  private static final class Failed extends RuntimeException {
    final int attempts;
    final DropReason reason;

    Failed(String message, Throwable cause, int attempts, DropReason reason) {
      super(message, cause, false, false);
      this.attempts = attempts;
      this.reason = reason;
    }
  }

  @SuppressWarnings("unchecked")
  EnrichOperator(String name, TaskContext ctx, Downstream<Object> next, Enrichment<?, ?, ?> spec) {
    this.name = name;
    this.ctx = ctx;
    this.next = next;
    this.spec = (Enrichment<Object, Object, Object>) spec;
    this.time = ctx.time();
    Enrichment.Breaker b = spec.breaker();
    this.breaker = b == null ? null : CircuitBreaker.of(ctx.pipeline() + "." + name, CircuitBreakerConfig.custom()
        .failureRateThreshold(b.failureRatePercent())
        .slidingWindow(b.window(), b.minimumCalls(), CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .waitDurationInOpenState(b.openFor())
        .permittedNumberOfCallsInHalfOpenState(b.probes())
        .recordException(EnrichOperator::countsAsFailure)
        .clock(time.asClock())
        .build());
    this.cache = spec.cacheKey() == null || spec.cacheMaxEntries() == 0 ? null : new TtlCache(spec.cacheMaxEntries());
    ctx.metrics().enrichment(inFlight::get, spec::capacity);
  }

  /** The factory a {@link Node.CustomNode} needs. */
  static Node.OperatorFactory factory(Enrichment<?, ?, ?> spec) {
    return (name, ctx, next) -> new EnrichOperator(name, ctx, next, spec);
  }

  private static boolean countsAsFailure(Throwable t) {
    // "nothing found" and bad requests are answers, not an unhealthy service
    return !(t instanceof DwException dw) || dw instanceof RetriableDwException || dw.code() == ErrorCode.INTERNAL;
  }

  @Override
  public void accept(Object value, long ts) {
    drain();
    if (inFlight.get() >= spec.capacity()) {
      long start = System.nanoTime();
      while (inFlight.get() >= spec.capacity()) {
        awaitCompletion();
      }
      ctx.metrics().backpressure(System.nanoTime() - start);
    }
    Entry e = new Entry(seq++, value, ts, false);
    Object key = null;
    if (cache != null) {
      try {
        key = spec.cacheKey().apply(value);
      } catch (RuntimeException ex) {
        ctx.deadLetter(name, DropReason.POISON, TaskContext.describe(name + " cache key", ex), null, null,
            ctx.watermark(), 0, ts, value);
        return;
      }
      TtlCache.Hit hit = cache.get(key, time.nanoTime());
      if (hit != null) {
        e.value = hit.value();
        e.done = true;
        e.attempts = 0;
        if (spec.ordered()) {
          queue.add(e);
          emitReady();
        } else {
          emit(e);
        }
        return;
      }
    }
    if (spec.ordered()) {
      queue.add(e);
    } else {
      inFlightSeqs.add(e.seq);
    }
    if (key != null) {
      List<Entry> followers = waiting.get(key);
      if (followers != null) {
        followers.add(e); // the same key is being looked up: share that answer (no second lookup)
        return;
      }
      waiting.put(key, new ArrayList<>(2));
    }
    inFlight.incrementAndGet();
    e.cacheKey = key;
    long deadline = time.nanoTime() + spec.timeout().toNanos();
    attempt(e, 1, deadline).whenComplete((v, t) -> {
      if (t == null) {
        e.value = v;
      } else {
        e.failure = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      }
      e.done = true;
      completions.add(e); // the queue's hand-off publishes the fields to the task thread
    });
  }

  private CompletableFuture<Object> attempt(Entry e, int n, long deadline) {
    e.attempts = n;
    if (breaker != null && !breaker.tryAcquirePermission()) {
      return CompletableFuture.failedFuture(new Failed("the circuit breaker of " + name + " is open after repeated"
          + " lookup failures", null, n - 1, DropReason.CIRCUIT_OPEN));
    }
    long left = deadline - time.nanoTime();
    if (left <= 0) {
      return CompletableFuture.failedFuture(new Failed("no time left for attempt " + n + " within the timeout of "
          + spec.timeout(), null, n - 1, spec.failureReason()));
    }
    Duration attemptTimeout = Duration.ofNanos(Math.min(left, spec.attemptTimeout().toNanos()));
    long started = time.nanoTime();
    CompletableFuture<Object> f;
    try {
      f = spec.lookup().lookup(e.record, attemptTimeout);
    } catch (RuntimeException ex) {
      f = CompletableFuture.failedFuture(ex);
    }
    return f.orTimeout(attemptTimeout.toNanos(), TimeUnit.NANOSECONDS).handle((v, t) -> {
      long took = time.nanoTime() - started;
      if (t == null) {
        succeeded(took);
        return CompletableFuture.completedFuture(v);
      }
      Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      if (cause instanceof TimeoutException) {
        cause = DwException.of(ErrorCode.TIMEOUT, "lookup attempt " + n + " got no answer within " + attemptTimeout);
      }
      if (cause instanceof DwException dw && dw.code() == ErrorCode.NOT_FOUND) {
        succeeded(took);
        return CompletableFuture.<Object>completedFuture(null); // nothing found: a negative answer
      }
      if (breaker != null) {
        breaker.onError(took, TimeUnit.NANOSECONDS, cause);
      }
      boolean retriable = cause instanceof RetriableDwException;
      if (!retriable || n >= spec.maxAttempts()) {
        String why = !retriable ? "a non-retriable error" : "all " + n + " attempts failed";
        return CompletableFuture.<Object>failedFuture(new Failed(why + "; last: " + describe(cause), cause, n,
            spec.failureReason()));
      }
      long wait = backoffNanos(n);
      if (time.nanoTime() + wait >= deadline) {
        return CompletableFuture.<Object>failedFuture(new Failed("the timeout of " + spec.timeout() + " leaves no room"
            + " for attempt " + (n + 1) + "; last: " + describe(cause), cause, n, spec.failureReason()));
      }
      return CompletableFuture.runAsync(() -> sleep(wait), waits).thenCompose(x -> attempt(e, n + 1, deadline));
    }).thenCompose(Function.identity());
  }

  private void succeeded(long tookNanos) {
    if (breaker != null) {
      breaker.onSuccess(tookNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void sleep(long nanos) {
    try {
      time.sleep(Duration.ofNanos(nanos));
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "interrupted in a backoff wait", ex);
    }
  }

  private long backoffNanos(int attempt) {
    long initial = spec.backoffInitial().toNanos();
    long max = spec.backoffMax().toNanos();
    long exp = attempt - 1 >= 62 ? max : Math.min(max, initial << Math.min(attempt - 1, 30));
    double factor = 1 - spec.jitter() * ThreadLocalRandom.current().nextDouble();
    return (long) (exp * factor);
  }

  private static String describe(Throwable t) {
    return t instanceof DwException dw ? dw.code().wire() + ": " + dw.getMessage() : t.toString();
  }

  private void awaitCompletion() {
    try {
      Entry e = completions.poll(50, TimeUnit.MILLISECONDS);
      if (e != null) {
        completed(e);
        drain();
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "pipeline '" + ctx.pipeline() + "': interrupted waiting for "
          + name + " lookups", ex);
    }
  }

  private void drain() {
    Entry e;
    while ((e = completions.poll()) != null) {
      completed(e);
    }
  }

  private void completed(Entry e) {
    inFlight.decrementAndGet();
    Object key = e.cacheKey;
    List<Entry> followers = key == null ? List.of() : waiting.remove(key);
    if (key != null && e.failure == null) {
      long ttl = (e.value == null ? spec.negativeTtl() : spec.cacheTtl()).toNanos();
      if (ttl > 0) {
        cache.put(key, e.value, time.nanoTime() + ttl);
      }
    }
    for (Entry f : followers) {
      f.value = e.value;
      f.failure = e.failure;
      f.attempts = 0;
      f.done = true;
    }
    if (spec.ordered()) {
      emitReady();
    } else {
      inFlightSeqs.remove(e.seq);
      emit(e);
      for (Entry f : followers) {
        inFlightSeqs.remove(f.seq);
        emit(f);
      }
      releaseWatermarks();
    }
  }

  private void emitReady() {
    while (!queue.isEmpty() && queue.peekFirst().done) {
      Entry head = queue.pollFirst();
      if (head.watermark) {
        next.watermark(head.ts);
      } else {
        emit(head);
      }
    }
  }

  private void releaseWatermarks() {
    while (!heldWatermarks.isEmpty()) {
      long[] w = heldWatermarks.peekFirst();
      if (!inFlightSeqs.isEmpty() && inFlightSeqs.first() < w[0]) {
        return;
      }
      heldWatermarks.pollFirst();
      next.watermark(w[1]);
    }
  }

  private void emit(Entry e) {
    if (e.failure != null) {
      DropReason reason = e.failure instanceof Failed f ? f.reason : spec.failureReason();
      int attempts = e.failure instanceof Failed f ? f.attempts : e.attempts;
      ctx.deadLetter(name, reason, name + ": " + e.failure.getMessage(), null, null, ctx.watermark(), attempts, e.ts,
          e.record);
      return;
    }
    Object out;
    try {
      out = spec.combine().apply(e.record, e.value);
    } catch (RuntimeException ex) {
      // a DwException from combine judges the looked-up value unusable; anything else is a bug in it
      DropReason reason = ex instanceof DwException ? spec.failureReason() : DropReason.POISON;
      ctx.deadLetter(name, reason, TaskContext.describe(name + " combine", ex), null, null,
          ctx.watermark(), e.attempts, e.ts, e.record);
      return;
    }
    next.accept(out, e.ts);
  }

  @Override
  public void watermark(long wm) {
    drain();
    if (spec.ordered()) {
      if (queue.isEmpty()) {
        next.watermark(wm);
      } else {
        Entry w = new Entry(seq++, null, wm, true);
        w.done = true;
        queue.add(w);
      }
    } else if (inFlightSeqs.isEmpty()) {
      next.watermark(wm);
    } else {
      heldWatermarks.add(new long[] {seq, wm});
    }
  }

  @Override
  public void poll() {
    drain();
    next.poll();
  }

  @Override
  public void prepareCheckpoint() {
    while (inFlight.get() > 0) {
      awaitCompletion();
    }
    drain();
    next.prepareCheckpoint();
  }

  @Override
  public void close() {
    waits.shutdownNow();
  }

  /** Looked-up values by key with an expiry each; LRU beyond the size. Task thread only. */
  static final class TtlCache {
    record Hit(Object value) {}

    private record Item(Object value, long expiresAt) {}

    private final LinkedHashMap<Object, Item> map;

    TtlCache(int maxEntries) {
      this.map = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, Item> eldest) {
          return size() > maxEntries;
        }
      };
    }

    Hit get(Object key, long now) {
      Item i = map.get(key);
      if (i == null) {
        return null;
      }
      if (now - i.expiresAt >= 0) {
        map.remove(key);
        return null;
      }
      return new Hit(i.value);
    }

    void put(Object key, Object value, long expiresAt) {
      map.put(key, new Item(value, expiresAt));
    }
  }
}
