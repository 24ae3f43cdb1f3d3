package io.datawarehouse.kernel.bus;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.BusErrors;
import io.datawarehouse.sdk.bus.BusStatistics;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.bus.Topics;
import io.datawarehouse.sdk.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process {@link MessageBus}: the default bus of a single kernel.
 *
 * <p>Design. Subscriptions live in an immutable {@link Registry} snapshot replaced on every
 * subscribe/unsubscribe (rare), so publishing takes no lock. A publish looks up the {@link Route}
 * of its concrete topic in a bounded cache (computed once per topic and registry version by
 * matching every pattern with {@link Topics#matches}'s rules), then offers the message to each
 * plain subscription and to one member of each queue group. Each subscription owns a bounded
 * {@link java.util.concurrent.LinkedBlockingQueue} and one virtual thread that drains it in
 * batches and calls the handler, which gives per-subscription ordering and isolation: a slow
 * handler only fills its own queue. When a queue is full the publisher waits up to {@code
 * publishTimeout} and then fails with RESOURCE_EXHAUSTED naming the subscriber: backpressure, never
 * a silent drop.
 *
 * <p>Requests are delivered like publishes with a {@link PendingRequest} attached. The first reply
 * completes the caller's future directly (no reply topic round trip); a subscriber whose handler
 * returns null declines; when every recipient has declined, or there was no recipient, the
 * request fails with NO_RESPONDERS at once. Timeouts run on one shared timer thread.
 *
 * <p>Thread-safe.
 */
public final class InProcessMessageBus implements MessageBus {
  private static final Logger LOG = LoggerFactory.getLogger(InProcessMessageBus.class);
  private static final int ROUTE_CACHE_LIMIT = 8192;
  private static final int TOPIC_STATS_LIMIT = 1024;
  static final String OTHER_TOPICS = "(other)";

  /**
   * Tunables of the bus.
   *
   * @param queueCapacity default capacity of a subscription's queue
   * @param publishTimeout how long a publisher waits for room in a full queue
   * @param maxPayload largest payload accepted, in bytes
   * @param drainTimeout how long {@link #close()} waits for queued messages to be handled
   */
  public record Options(int queueCapacity, Duration publishTimeout, int maxPayload, Duration drainTimeout) {
    public Options {
      if (queueCapacity < 1) {
        throw DwException.invalidArgument("bus queue capacity must be >= 1, was " + queueCapacity);
      }
      if (maxPayload < 1) {
        throw DwException.invalidArgument("bus max payload must be >= 1 byte, was " + maxPayload);
      }
      Objects.requireNonNull(publishTimeout, "publishTimeout");
      Objects.requireNonNull(drainTimeout, "drainTimeout");
    }

    /** Capacity 8192, publish timeout 10 s, payloads up to 1 MiB, drain timeout 10 s. */
    public static Options defaults() {
      return new Options(8192, Duration.ofSeconds(10), 1 << 20, Duration.ofSeconds(10));
    }

    public Options withQueueCapacity(int capacity) {
      return new Options(capacity, publishTimeout, maxPayload, drainTimeout);
    }

    public Options withPublishTimeout(Duration timeout) {
      return new Options(queueCapacity, timeout, maxPayload, drainTimeout);
    }

    public Options withMaxPayload(int bytes) {
      return new Options(queueCapacity, publishTimeout, bytes, drainTimeout);
    }

    public Options withDrainTimeout(Duration timeout) {
      return new Options(queueCapacity, publishTimeout, maxPayload, timeout);
    }
  }

  final Options options;
  private final Object registryLock = new Object();
  private volatile Registry registry = Registry.EMPTY;
  private final ConcurrentHashMap<String, Route> routes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, TopicCounters> topicCounters = new ConcurrentHashMap<>();
  private final TopicCounters otherTopics = new TopicCounters();
  private final ScheduledExecutorService timer;
  private final AtomicLong subscriptionIds = new AtomicLong();
  private volatile boolean closed;

  final LongAdder published = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder dropped = new LongAdder();
  final LongAdder requests = new LongAdder();
  final LongAdder timeouts = new LongAdder();
  final LongAdder noResponders = new LongAdder();
  final LongAdder backpressureWaits = new LongAdder();

  public InProcessMessageBus() {
    this(Options.defaults());
  }

  public InProcessMessageBus(Options options) {
    this.options = Objects.requireNonNull(options, "options");
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "dw-bus-timer");
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
  }

  // ------------------------------------------------------------------ publish / request

  @Override
  public void publish(Message message) {
    Objects.requireNonNull(message, "message");
    ensureOpen();
    checkPayload(message);
    Route route = route(message.topic());
    published.increment();
    route.counters.published.increment();
    deliver(route, message, null);
  }

  @Override
  public CompletableFuture<Message> request(Message request, Duration timeout) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(timeout, "timeout");
    CompletableFuture<Message> future = new CompletableFuture<>();
    try {
      ensureOpen();
      checkPayload(request);
    } catch (DwException e) {
      future.completeExceptionally(e);
      return future;
    }
    Message msg = request.isRequest() ? request : request.toBuilder().replyTo("_INBOX." + request.id()).build();
    Route route = route(msg.topic());
    requests.increment();
    published.increment();
    route.counters.published.increment();
    PendingRequest pending = new PendingRequest(this, msg.topic(), future);
    try {
      deliver(route, msg, pending);
    } catch (DwException e) {
      pending.fail(e);
      return future;
    }
    if (pending.releaseSender()) {
      noResponders.increment();
    } else if (!future.isDone()) {
      pending.armTimeout(timer, timeout);
    }
    return future;
  }

  /**
   * Offers {@code message} to every recipient of {@code route}. Collects queue-full failures and
   * reports them after trying every recipient, so one stuck subscriber does not starve the others.
   */
  private void deliver(Route route, Message message, PendingRequest pending) {
    Object item = pending == null ? message : new RequestDelivery(message, pending);
    List<String> stuck = null;
    for (Sub s : route.subs) {
      try {
        offerTo(s, item, pending);
      } catch (DwException e) {
        stuck = addStuck(stuck, e);
      }
    }
    for (Group g : route.groups) {
      try {
        offerToGroup(g, item, pending);
      } catch (DwException e) {
        stuck = addStuck(stuck, e);
      }
    }
    if (stuck != null) {
      if (stuck.size() == 1) {
        throw DwException.of(ErrorCode.RESOURCE_EXHAUSTED, "not delivered on '" + message.topic() + "': " + stuck.get(0));
      }
      throw DwException.of(ErrorCode.RESOURCE_EXHAUSTED, "not delivered on '" + message.topic() + "' to "
          + stuck.size() + " subscribers: " + String.join("; ", stuck));
    }
  }

  private static List<String> addStuck(List<String> stuck, DwException e) {
    if (e.code() == ErrorCode.CANCELLED) {
      throw e;
    }
    List<String> l = stuck == null ? new ArrayList<>(2) : stuck;
    l.add(e.getMessage());
    return l;
  }

  private void offerToGroup(Group g, Object item, PendingRequest pending) {
    Sub[] members = g.members;
    int n = members.length;
    int start = (int) (g.next.getAndIncrement() & Integer.MAX_VALUE);
    if (n > 1) {
      // an idle member first (nothing queued, nothing in hand): with uneven handling times, round
      // robin alone queues work behind a slow member while another one waits
      for (int i = 0; i < n; i++) {
        Sub s = members[(start + i) % n];
        if (s.idle() && s.tryOffer(item, pending)) {
          return;
        }
      }
    }
    for (int i = 0; i < n; i++) {
      Sub s = members[(start + i) % n];
      if (s.tryOffer(item, pending)) {
        return;
      }
    }
    // every member is full: wait on one of them
    offerTo(members[start % n], item, pending);
  }

  private void offerTo(Sub s, Object item, PendingRequest pending) {
    if (s.tryOffer(item, pending)) {
      return;
    }
    if (s.state != Sub.ACTIVE) {
      return;
    }
    if (Thread.currentThread() == s.thread) {
      throw DwException.of(ErrorCode.RESOURCE_EXHAUSTED, "subscriber '" + s.name + "' publishes to its own full queue (capacity "
          + s.capacity + "); it would wait for itself");
    }
    backpressureWaits.increment();
    s.offerWaiting(item, pending, options.publishTimeout);
  }

  private void checkPayload(Message m) {
    BusErrors.checkPayload(m, options.maxPayload);
  }

  int maxPayload() {
    return options.maxPayload;
  }

  private void ensureOpen() {
    if (closed) {
      throw BusErrors.closed();
    }
  }

  // ------------------------------------------------------------------ routing

  private Route route(String topic) {
    Registry reg = registry;
    Route r = routes.get(topic);
    if (r != null && r.version == reg.version) {
      return r;
    }
    Topics.requireValidTopic(topic);
    r = reg.routeFor(topic, countersFor(topic));
    if (routes.size() >= ROUTE_CACHE_LIMIT) {
      routes.clear();
    }
    routes.put(topic, r);
    return r;
  }

  private TopicCounters countersFor(String topic) {
    TopicCounters c = topicCounters.get(topic);
    if (c != null) {
      return c;
    }
    if (topicCounters.size() >= TOPIC_STATS_LIMIT) {
      return otherTopics;
    }
    return topicCounters.computeIfAbsent(topic, t -> new TopicCounters());
  }

  // ------------------------------------------------------------------ subscriptions

  @Override
  public Subscription subscribe(String pattern, SubscribeOptions opts, MessageHandler handler) {
    Topics.requireValidPattern(pattern);
    Objects.requireNonNull(opts, "options");
    Objects.requireNonNull(handler, "handler");
    int capacity = opts.queueCapacity() > 0 ? opts.queueCapacity() : options.queueCapacity;
    String name = opts.name() != null ? opts.name()
        : pattern + (opts.queueGroup() != null ? "[" + opts.queueGroup() + "]" : "");
    Sub s = new Sub(this, subscriptionIds.incrementAndGet(), pattern, opts.queueGroup(), name, capacity, handler);
    synchronized (registryLock) {
      ensureOpen();
      registry = registry.with(s);
      routes.clear();
    }
    s.start();
    return s;
  }

  /** Removes {@code s} from routing; called by the subscription when it stops taking messages. */
  void remove(Sub s) {
    synchronized (registryLock) {
      registry = registry.without(s);
      routes.clear();
    }
  }

  // ------------------------------------------------------------------ statistics and lifecycle

  @Override
  public BusStatistics statistics() {
    Map<String, BusStatistics.TopicStatistics> topics = new LinkedHashMap<>();
    topicCounters.forEach((t, c) -> topics.put(t, c.snapshot()));
    BusStatistics.TopicStatistics other = otherTopics.snapshot();
    if (other.published() + other.delivered() + other.failed() > 0) {
      topics.put(OTHER_TOPICS, other);
    }
    return new BusStatistics(published.sum(), delivered.sum(), failed.sum(), dropped.sum(), requests.sum(),
        timeouts.sum(), noResponders.sum(), backpressureWaits.sum(), registry.subs.length, topics);
  }

  /** Whether {@link #close()} has been called. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    Sub[] subs;
    synchronized (registryLock) {
      if (closed) {
        return;
      }
      closed = true;
      subs = registry.subs;
    }
    long deadline = System.nanoTime() + options.drainTimeout.toNanos();
    for (Sub s : subs) {
      s.beginDrain();
    }
    int unfinished = 0;
    for (Sub s : subs) {
      long left = Math.max(0, deadline - System.nanoTime());
      try {
        if (!s.awaitTerminated(left)) {
          unfinished++;
          s.unsubscribe();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.unsubscribe();
      }
    }
    if (unfinished > 0) {
      LOG.warn("message bus closed: {} subscriptions did not finish their queued messages within {}; "
          + "the rest were dropped ({} messages dropped in total)", unfinished,
          Durations.format(options.drainTimeout), dropped.sum());
    }
    timer.shutdownNow();
  }

  TopicCounters countersOf(String topic) {
    TopicCounters c = topicCounters.get(topic);
    return c != null ? c : otherTopics;
  }

  @Override
  public String toString() {
    return "InProcessMessageBus[subscriptions=" + registry.subs.length + (closed ? ", closed" : "") + "]";
  }

  /** A request riding in a subscription's queue. */
  record RequestDelivery(Message message, PendingRequest pending) {}
}
