package io.datawarehouse.bus.nats;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.bus.BusErrors;
import io.datawarehouse.sdk.bus.BusStatistics;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.bus.Topics;
import io.datawarehouse.sdk.config.Durations;
import io.datawarehouse.sdk.config.Secrets;
import io.datawarehouse.sdk.config.Sizes;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamStatusException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link MessageBus} on NATS: several kernels, on one machine or many, share one bus.
 *
 * <p>Mapping. A topic is a NATS subject (same tokens and wildcards); our headers travel as NATS
 * headers; a request is a NATS request with the client's no-responders report turned on, so a
 * request nobody is subscribed to fails at once with NO_RESPONDERS; queue groups are NATS queue
 * groups. Each subscription is a NATS synchronous subscription drained by one virtual thread, which
 * gives per-subscription ordering like the in-process bus.
 *
 * <p>Differences from the in-process bus, because NATS core delivers at most once: a publisher
 * never waits for a slow subscriber in another process. {@code bus.queueCapacity} is each
 * subscription's pending limit; a subscriber that falls further behind loses messages, which the
 * client reports as a slow consumer: this bus logs each occurrence at ERROR and counts the losses in
 * {@link BusStatistics#dropped()}, so they are never silent. A request that reaches only passive
 * listeners (handlers that return null) ends in TIMEOUT rather than NO_RESPONDERS, since
 * subscribers in other processes cannot report that they declined.
 *
 * <p>Thread-safe.
 */
public final class NatsMessageBus implements MessageBus {
  private static final Logger LOG = LoggerFactory.getLogger(NatsMessageBus.class);

  /**
   * Connection settings.
   *
   * @param url one or more server URLs, comma-separated
   * @param user user name or null
   * @param password password or null
   * @param token token or null
   * @param connectionName shown by the server
   * @param connectTimeout how long to wait for the server at start
   * @param pendingLimit messages a subscription may have pending before NATS drops (slow consumer)
   * @param maxPayload our payload limit (the server's own limit also applies)
   * @param drainTimeout how long close() waits for pending messages
   */
  public record Settings(String url, String user, String password, String token, String connectionName,
      Duration connectTimeout, int pendingLimit, int maxPayload, Duration drainTimeout) {
    public Settings {
      Objects.requireNonNull(url, "url");
    }

    @Override
    public String toString() {
      return "Settings[url=" + Secrets.maskInline(url) + ", user=" + user + ", name=" + connectionName + "]";
    }
  }

  private final Connection nc;
  private final Settings settings;
  private final int maxPayload;
  private final Set<NatsSubscription> subs = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, LongAdder[]> topicCounts = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private final AtomicLong ids = new AtomicLong();

  final LongAdder published = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder dropped = new LongAdder();
  final LongAdder requests = new LongAdder();
  final LongAdder timeouts = new LongAdder();
  final LongAdder noResponders = new LongAdder();

  private NatsMessageBus(Connection nc, Settings settings) {
    this.nc = nc;
    this.settings = settings;
    long serverMax = nc.getServerInfo() == null ? Long.MAX_VALUE : nc.getServerInfo().getMaxPayload();
    this.maxPayload = (int) Math.min(settings.maxPayload(), serverMax > 0 ? serverMax : Long.MAX_VALUE);
  }

  /**
   * Connects to NATS.
   *
   * @throws DwException UNAVAILABLE naming the (masked) URL and the cause when no server answers
   */
  public static NatsMessageBus connect(Settings s) {
    Options.Builder b = Options.builder()
        .servers(s.url().split(","))
        .connectionName(s.connectionName())
        .connectionTimeout(s.connectTimeout())
        .maxReconnects(-1)
        .reportNoResponders()
        .errorListener(new Errors())
        .connectionListener(new Connections());
    if (s.user() != null) {
      b.userInfo(s.user(), s.password() == null ? "" : s.password());
    }
    if (s.token() != null) {
      b.token(s.token().toCharArray());
    }
    try {
      Connection nc = Nats.connect(b.build());
      NatsMessageBus bus = new NatsMessageBus(nc, s);
      ((Errors) nc.getOptions().getErrorListener()).bus = bus;
      LOG.info("message bus connected to NATS at {} (server {}, max payload {})", Secrets.maskInline(s.url()),
          nc.getServerInfo().getVersion(), Sizes.format(bus.maxPayload));
      return bus;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot connect to NATS at " + Secrets.maskInline(s.url()) + ": " + Health.describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "interrupted while connecting to NATS", e);
    }
  }

  // ------------------------------------------------------------------ publish / request

  @Override
  public void publish(Message message) {
    ensureOpen();
    checkPayload(message);
    try {
      nc.publish(message.topic(), headersOf(message), message.payload());
    } catch (IllegalStateException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot publish on '" + message.topic() + "': " + e.getMessage(), e);
    }
    published.increment();
    counts(message.topic())[0].increment();
  }

  @Override
  public CompletableFuture<Message> request(Message request, Duration timeout) {
    CompletableFuture<Message> out = new CompletableFuture<>();
    try {
      ensureOpen();
      checkPayload(request);
    } catch (DwException e) {
      out.completeExceptionally(e);
      return out;
    }
    requests.increment();
    published.increment();
    counts(request.topic())[0].increment();
    String topic = request.topic();
    CompletableFuture<io.nats.client.Message> f;
    try {
      f = nc.requestWithTimeout(NatsMessage.builder().subject(topic).headers(headersOf(request)).data(request.payload()).build(), timeout);
    } catch (IllegalStateException e) {
      out.completeExceptionally(DwException.of(ErrorCode.UNAVAILABLE, "cannot send a request on '" + topic + "': " + e.getMessage(), e));
      return out;
    }
    f.orTimeout(timeout.toNanos() + 50_000_000L, java.util.concurrent.TimeUnit.NANOSECONDS).whenComplete((nm, err) -> {
      if (err == null) {
        try {
          Message reply = toMessage(nm);
          if (reply.isError()) {
            out.completeExceptionally(reply.error());
          } else {
            out.complete(reply);
          }
        } catch (RuntimeException e) {
          out.completeExceptionally(DwException.wrap(e, "reply on '" + topic + "'"));
        }
        return;
      }
      Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      if (cause instanceof JetStreamStatusException js && js.getMessage() != null && js.getMessage().contains("503")) {
        noResponders.increment();
        out.completeExceptionally(DwException.of(ErrorCode.NO_RESPONDERS, "no responders: nobody is subscribed to '" + topic + "'"));
      } else if (cause instanceof TimeoutException || cause instanceof CancellationException) {
        timeouts.increment();
        out.completeExceptionally(DwException.of(ErrorCode.TIMEOUT, "no reply on '" + topic + "' within " + Durations.format(timeout)));
      } else {
        out.completeExceptionally(DwException.of(ErrorCode.UNAVAILABLE, "request on '" + topic + "' failed: " + Health.describe(cause), cause));
      }
    });
    return out;
  }

  private void checkPayload(Message m) {
    BusErrors.checkPayload(m, maxPayload);
  }

  private void ensureOpen() {
    if (closed) {
      throw BusErrors.closed();
    }
  }

  /** Publishes a handler's reply (or error reply) to a request's reply subject. */
  void reply(io.nats.client.Message request, Message reply) {
    if (reply.size() > maxPayload) {
      reply = Message.errorReply(toMessageQuietly(request), DwException.invalidArgument("the reply on '" + request.getSubject()
          + "' is " + Sizes.format(reply.size()) + ", over the bus limit of " + Sizes.format(maxPayload)
          + "; the responder must send a reference or chunks"));
    }
    try {
      nc.publish(request.getReplyTo(), headersOf(reply), reply.payload());
    } catch (IllegalStateException e) {
      LOG.debug("cannot send a reply on '{}': {}", request.getSubject(), e.getMessage());
    }
  }

  // ------------------------------------------------------------------ conversion

  static Headers headersOf(Message m) {
    Headers h = new Headers();
    m.headers().forEach(h::put);
    return h;
  }

  static Message toMessage(io.nats.client.Message nm) {
    Message.Builder b = Message.builder(nm.getSubject()).payload(nm.getData() == null ? new byte[0] : nm.getData());
    Headers h = nm.getHeaders();
    if (h != null) {
      for (String k : h.keySet()) {
        String v = h.getFirst(k);
        if (v != null && !k.equals(Message.REPLY_TO)) {
          b.header(k, v);
        }
      }
    }
    if (nm.getReplyTo() != null) {
      b.replyTo(nm.getReplyTo());
    }
    return b.build();
  }

  private static Message toMessageQuietly(io.nats.client.Message nm) {
    return Message.builder(nm.getSubject()).build();
  }

  // ------------------------------------------------------------------ subscriptions

  @Override
  public Subscription subscribe(String pattern, SubscribeOptions options, MessageHandler handler) {
    Topics.requireValidPattern(pattern);
    Objects.requireNonNull(handler, "handler");
    ensureOpen();
    io.nats.client.Subscription ns = options.queueGroup() == null ? nc.subscribe(pattern) : nc.subscribe(pattern, options.queueGroup());
    int limit = options.queueCapacity() > 0 ? options.queueCapacity() : settings.pendingLimit();
    ns.setPendingLimits(limit, 64L << 20);
    String name = options.name() != null ? options.name() : pattern + (options.queueGroup() != null ? "[" + options.queueGroup() + "]" : "");
    NatsSubscription s = new NatsSubscription(this, ns, pattern, options.queueGroup(), name + "#" + ids.incrementAndGet(), handler);
    subs.add(s);
    s.start();
    return s;
  }

  void removed(NatsSubscription s) {
    subs.remove(s);
  }

  /** published, delivered, failed counters of a topic (bounded: later topics share "(other)"). */
  LongAdder[] counts(String topic) {
    LongAdder[] c = topicCounts.get(topic);
    if (c != null) {
      return c;
    }
    String key = topicCounts.size() >= 1024 ? "(other)" : topic;
    return topicCounts.computeIfAbsent(key, t -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()});
  }

  /** Waits until the server has processed everything sent so far (subscriptions included). */
  public void flush(Duration timeout) {
    try {
      nc.flush(timeout);
    } catch (TimeoutException e) {
      throw DwException.of(ErrorCode.TIMEOUT, "NATS did not confirm within " + Durations.format(timeout), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "interrupted", e);
    }
  }

  /** Whether the connection to NATS is up right now. */
  public boolean isConnected() {
    return nc.getStatus() == Connection.Status.CONNECTED;
  }

  @Override
  public BusStatistics statistics() {
    Map<String, BusStatistics.TopicStatistics> topics = new LinkedHashMap<>();
    topicCounts.forEach((t, c) -> topics.put(t, new BusStatistics.TopicStatistics(c[0].sum(), c[1].sum(), c[2].sum())));
    long lost = dropped.sum();
    for (NatsSubscription s : subs) {
      lost += s.natsDropped();
    }
    return new BusStatistics(published.sum(), delivered.sum(), failed.sum(), lost, requests.sum(), timeouts.sum(),
        noResponders.sum(), 0, subs.size(), topics);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
    for (NatsSubscription s : List.copyOf(subs)) {
      try {
        s.drain(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.unsubscribe();
      }
    }
    try {
      nc.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "NatsMessageBus[" + Secrets.maskInline(settings.url()) + ", " + nc.getStatus() + "]";
  }

  /** Logs client errors; counts slow-consumer losses. */
  private static final class Errors implements ErrorListener {
    volatile NatsMessageBus bus;

    @Override
    public void errorOccurred(Connection conn, String error) {
      LOG.warn("NATS error: {}", error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
      LOG.warn("NATS client exception: {}", Health.describe(exp));
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
      NatsMessageBus b = bus;
      String who = "a subscription";
      if (b != null) {
        for (NatsSubscription s : b.subs) {
          if (s.isConsumer(consumer)) {
            who = "subscription '" + s.name + "'";
          }
        }
      }
      LOG.error("NATS slow consumer: {} fell {} messages behind (pending limit {}) and NATS dropped messages for it"
          + " ({} so far); its handler is too slow for the publish rate", who, consumer.getPendingMessageCount(),
          consumer.getPendingMessageLimit(), consumer.getDroppedCount());
    }
  }

  /** Logs connection state changes: WARN when lost, INFO when back. */
  private static final class Connections implements ConnectionListener {
    @Override
    @SuppressWarnings("deprecation")
    public void connectionEvent(Connection conn, Events type) {
      connectionEvent(conn, type, null, null);
    }

    @Override
    public void connectionEvent(Connection conn, Events type, Long time, String uriDetails) {
      switch (type) {
        case DISCONNECTED -> LOG.warn("NATS connection lost; reconnecting (publishes are buffered meanwhile)");
        case RECONNECTED -> LOG.info("NATS connection restored ({})", conn.getConnectedUrl());
        case CLOSED -> LOG.debug("NATS connection closed");
        default -> LOG.debug("NATS connection event {}", type);
      }
    }
  }
}
