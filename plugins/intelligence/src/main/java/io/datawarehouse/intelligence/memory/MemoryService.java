package io.datawarehouse.intelligence.memory;

import io.datawarehouse.intelligence.memory.internal.InMemoryBackend;
import io.datawarehouse.intelligence.memory.internal.ResilientPersistenceBackend;
import io.datawarehouse.intelligence.memory.internal.RocksDbBackend;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.sdk.provider.Backends;
import io.datawarehouse.sdk.provider.ConnectionString;
import io.datawarehouse.sdk.provider.ResilienceOptions;
import io.datawarehouse.sdk.provider.ResilientBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AI memory store as a service: the persistence backend chosen by configuration, the periodic
 * expiry sweep, and the bus handlers of {@code intelligence.memory.put|get|query|delete|stats}.
 * The plugin opens one in {@code start} (section {@code intelligence.persistence}) and closes it
 * in {@code stop}.
 *
 * <h2>Choosing the backend</h2>
 * {@code url} decides: empty or {@code rocksdb://} is the embedded RocksDB store under {@code
 * <dataDir>/memory/rocksdb} ({@code rocksdb:///abs/dir} elsewhere); {@code memory://} the bounded
 * in-memory store; any other scheme ({@code redis://}, {@code postgresql://}, {@code mongodb://})
 * an external backend from an installed connector ({@code BackendFactory<PersistenceBackend>}),
 * run behind the provider pattern: unreachable or no connector installed means one WARN, health
 * DEGRADED, writes served by a bounded in-memory fallback and journaled under {@code
 * <dataDir>/memory/journal}, replayed idempotently on recovery. {@code requireReal: true} turns the
 * fallback off.
 *
 * <p>Thread-safe. Bus handlers run on the bus's virtual threads.
 */
public final class MemoryService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryService.class);
  /** The most records one query reply carries. */
  public static final int MAX_QUERY_LIMIT = 10_000;
  /** Replies stop adding records past this many bytes, under the bus's 1 MiB payload limit. */
  static final int REPLY_BUDGET_BYTES = 900 * 1024;

  private final PersistenceBackend backend;
  private final Time time;
  private final List<Subscription> subscriptions = new ArrayList<>();
  private final ScheduledFuture<?> sweep;
  private volatile String lastSweepError;

  private MemoryService(PersistenceBackend backend, Time time, ScheduledFuture<?> sweep) {
    this.backend = backend;
    this.time = time;
    this.sweep = sweep;
  }

  /** The {@code persistence} configuration section. */
  public static ConfigDef configDef() {
    return ConfigDef.builder()
        .string("url", null, "where memory records live: empty or rocksdb:// (embedded, default), rocksdb:///dir, memory://, "
            + "or an external backend's connection string (redis://, postgresql://, mongodb://...)")
        .bool("rocksdbSyncWrites", false, "fsync RocksDB's write-ahead log on every write (power-loss safe; a process crash loses nothing either way)")
        .size("rocksdbBlockCache", "64MiB", Validators.positive(), "RocksDB block cache")
        .size("rocksdbWriteBuffer", "32MiB", Validators.positive(), "RocksDB memtable size of the records column family")
        .longValue("memoryMaxRecords", 1_000_000, Validators.positive(), "records the memory:// backend holds")
        .size("memoryMaxBytes", "1GiB", Validators.positive(), "bytes the memory:// backend holds")
        .duration("ttlSweepInterval", "1m", "how often expired records are purged (they are invisible from the moment they expire)")
        .build()
        .merge(ResilienceOptions.configDef());
  }

  /** Opens the configured backend and starts the expiry sweep. */
  public static MemoryService open(PluginContext ctx, Config c) {
    PersistenceBackend b = openBackend(ctx.dataDir().resolve("memory"), c, ctx.time(), ctx);
    Duration every = c.getDuration("ttlSweepInterval");
    MemoryService[] self = new MemoryService[1];
    ScheduledFuture<?> sweep = every.isZero() ? null : ctx.scheduler().scheduleWithFixedDelay(
        () -> {
          if (self[0] != null) {
            Thread.ofVirtual().name("dw-memory-ttl-sweep").start(self[0]::sweepOnce);
          }
        },
        every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    self[0] = new MemoryService(b, ctx.time(), sweep);
    return self[0];
  }

  /**
   * The backend {@code c} chooses, with state under {@code memoryDir}.
   *
   * @throws DwException INVALID_ARGUMENT for a malformed url; what the backend throws when it
   *     cannot open (an embedded store that cannot open is an error, not a degradation)
   */
  public static PersistenceBackend openBackend(Path memoryDir, Config c, Time time, PluginContext ctx) {
    String url = c.getString("url");
    if (url == null || url.isBlank() || url.equals("rocksdb") || url.equals("rocksdb://")) {
      return RocksDbBackend.open(memoryDir.resolve("rocksdb"), rocksOptions(c), time);
    }
    if (url.equals("memory") || url.equals("memory://")) {
      return new InMemoryBackend(time, c.getLong("memoryMaxRecords"), c.getSize("memoryMaxBytes"));
    }
    ConnectionString cs = ConnectionString.parse(url);
    if (cs.scheme().equals("rocksdb")) {
      String p = cs.uri().getPath();
      if (p == null || p.isEmpty()) {
        throw DwException.invalidArgument("persistence url " + cs + ": a rocksdb url is rocksdb:// or rocksdb:///absolute/dir");
      }
      return RocksDbBackend.open(Path.of(p), rocksOptions(c), time);
    }
    if (cs.scheme().equals("memory")) {
      throw DwException.invalidArgument("persistence url " + cs + ": the memory backend takes no address; write memory://");
    }
    return external(memoryDir, c, cs, time, ctx);
  }

  private static RocksDbBackend.Options rocksOptions(Config c) {
    return new RocksDbBackend.Options(c.getBoolean("rocksdbSyncWrites"), c.getSize("rocksdbBlockCache"), c.getSize("rocksdbWriteBuffer"));
  }

  private static PersistenceBackend external(Path memoryDir, Config c, ConnectionString cs, Time time, PluginContext ctx) {
    ResilienceOptions opts = ResilienceOptions.from(c);
    Set<PersistenceBackend> fallbacks = ConcurrentHashMap.newKeySet();
    ResilientBackend<PersistenceBackend> rb = ResilientBackend.<PersistenceBackend>builder("intelligence-memory")
        .target(cs.raw())
        .connector(() -> Backends.connect(PersistenceBackend.class, cs, c))
        .probe(b -> b.exists("__dw_probe__"))
        .applier(ResilientPersistenceBackend.applier())
        .closer(PersistenceBackend::close)
        .fallback(() -> {
          fallbacks.clear(); // the previous one is dropped after a recovery
          // the wrapper bounds what is journaled; the fallback's own bounds are a safety margin above that
          PersistenceBackend f = new InMemoryBackend(time, 2 * opts.fallbackMaxRecords(), 2 * opts.fallbackMaxBytes());
          fallbacks.add(f);
          return f;
        })
        .options(opts)
        .journalDir(memoryDir.resolve("journal"))
        .time(time)
        .scheduler(ctx.scheduler())
        .metrics(ctx.metrics(), ctx.metricName("memory.backend"))
        .build();
    rb.start();
    return new ResilientPersistenceBackend(cs.scheme(), rb, fallbacks);
  }

  /** The backend this service runs on. */
  public PersistenceBackend backend() {
    return backend;
  }

  /** Purges expired records now; returns how many. Called by the periodic sweep. */
  public long sweepOnce() {
    try {
      long n = backend.purgeExpired();
      lastSweepError = null;
      return n;
    } catch (RuntimeException e) {
      if (lastSweepError == null) {
        LOG.warn("memory store: purging expired records failed: {}", Health.describe(e));
      }
      lastSweepError = Health.describe(e);
      return 0;
    }
  }

  // ------------------------------------------------------------------ bus

  /** Subscribes the five request topics (queue group "intelligence"). */
  public void subscribe(MessageBus bus) {
    SubscribeOptions group = SubscribeOptions.group("intelligence");
    subscriptions.add(bus.subscribe(MemoryMessages.PUT, group, MessageHandler.json(MemoryMessages.PutRequest.class, this::put)));
    subscriptions.add(bus.subscribe(MemoryMessages.GET, group, MessageHandler.json(MemoryMessages.GetRequest.class, this::get)));
    subscriptions.add(bus.subscribe(MemoryMessages.QUERY, group, msg -> {
      MemoryMessages.QueryRequest q = msg.size() == 0 ? null : msg.json(MemoryMessages.QueryRequest.class);
      return Message.replyTo(msg).json(query(q)).build();
    }));
    subscriptions.add(bus.subscribe(MemoryMessages.DELETE, group, MessageHandler.json(MemoryMessages.DeleteRequest.class, this::delete)));
    subscriptions.add(bus.subscribe(MemoryMessages.STATS, group, msg -> Message.replyTo(msg).json(stats()).build()));
  }

  /** Handles {@code intelligence.memory.put}. */
  public MemoryMessages.PutReply put(MemoryMessages.PutRequest req) {
    if (req == null || req.records() == null || req.records().isEmpty()) {
      throw DwException.invalidArgument("a put needs records: {\"records\":[{\"id\":...,\"content\":...}]}");
    }
    Instant now = time.now();
    List<MemoryRecord> records = new ArrayList<>();
    boolean conditional = false;
    for (MemoryMessages.WireRecord w : req.records()) {
      if (w == null) {
        throw DwException.invalidArgument("records contains null");
      }
      records.add(w.toRecord(now));
      conditional |= w.version() != null;
    }
    List<MemoryRecord> stored;
    if (conditional) {
      if (records.size() != 1) {
        throw DwException.invalidArgument("an optimistic update (a record with a version) must be the only record of its put; "
            + "this put has " + records.size());
      }
      stored = List.of(backend.update(records.get(0)));
    } else {
      stored = backend.storeAll(records);
    }
    return new MemoryMessages.PutReply(stored.stream()
        .map(s -> new MemoryMessages.Stored(s.id(), s.version(), s.contentHash(), s.createdAt())).toList());
  }

  /** Handles {@code intelligence.memory.get}. */
  public MemoryMessages.GetReply get(MemoryMessages.GetRequest req) {
    if (req == null || req.ids() == null || req.ids().isEmpty()) {
      throw DwException.invalidArgument("a get needs ids: {\"ids\":[\"...\"]}");
    }
    List<String> ids = List.copyOf(new LinkedHashSet<>(req.ids()));
    if (Boolean.TRUE.equals(req.touch())) {
      backend.touch(ids, time.now());
    }
    Map<String, MemoryRecord> found = backend.getAll(ids);
    List<MemoryMessages.WireRecord> out = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    long budget = REPLY_BUDGET_BYTES;
    for (String id : ids) {
      MemoryRecord r = found.get(id);
      if (r == null) {
        missing.add(id);
        continue;
      }
      budget -= 2L * r.sizeBytes();
      if (budget < 0 && !out.isEmpty()) {
        throw DwException.invalidArgument("the " + ids.size() + " records asked for do not fit in one reply (about "
            + REPLY_BUDGET_BYTES / 1024 + " KiB); ask for fewer ids at a time");
      }
      out.add(MemoryMessages.WireRecord.of(r, true));
    }
    return new MemoryMessages.GetReply(out, missing);
  }

  /** The {@link MemoryQuery} a wire request describes. */
  public static MemoryQuery toQuery(MemoryMessages.QueryRequest r) {
    MemoryQuery.Builder b = MemoryQuery.builder();
    if (r == null) {
      return b.limit(100).build();
    }
    if (r.tiers() != null) {
      r.tiers().forEach(t -> b.tier(MemoryTier.parse(t)));
    }
    if (r.scopes() != null) {
      b.scopes(r.scopes());
    }
    if (r.tagsAny() != null) {
      b.tagsAny(r.tagsAny());
    }
    if (r.tagsAll() != null) {
      b.tagsAll(r.tagsAll());
    }
    b.importance(r.minImportance(), r.maxImportance());
    b.created(r.createdFrom(), r.createdTo());
    b.accessed(r.accessedFrom(), r.accessedTo());
    b.contentType(r.contentType());
    if (r.metadata() != null) {
      r.metadata().forEach(b::metadata);
    }
    b.sort(r.sort() == null ? MemoryQuery.SortField.ID : MemoryQuery.SortField.parse(r.sort()),
        r.direction() == null ? MemoryQuery.Direction.ASC : MemoryQuery.Direction.parse(r.direction()));
    long limit = r.limit() == null ? 100 : r.limit();
    if (limit < 0 || limit > MAX_QUERY_LIMIT) {
      throw DwException.invalidArgument("limit must be in 0.." + MAX_QUERY_LIMIT + ", was " + limit + "; page with skip");
    }
    b.skip(r.skip() == null ? 0 : r.skip()).limit(limit);
    b.includeExpired(Boolean.TRUE.equals(r.includeExpired()));
    return b.build();
  }

  /** Handles {@code intelligence.memory.query}. */
  public MemoryMessages.QueryReply query(MemoryMessages.QueryRequest req) {
    MemoryQuery q = toQuery(req);
    boolean withContent = req == null || req.includeContent() == null || req.includeContent();
    List<MemoryMessages.WireRecord> out = new ArrayList<>();
    boolean truncated = false;
    long budget = REPLY_BUDGET_BYTES;
    try (Stream<MemoryRecord> s = backend.query(q)) {
      var it = s.iterator();
      while (it.hasNext()) {
        MemoryRecord r = it.next();
        MemoryMessages.WireRecord w = MemoryMessages.WireRecord.of(r, withContent);
        budget -= Json.toBytes(w).length + 1;
        if (budget < 0) {
          truncated = true;
          break;
        }
        out.add(w);
      }
    }
    long total = backend.count(q);
    return new MemoryMessages.QueryReply(out, total, truncated, truncated ? q.skip() + out.size() : null);
  }

  /** Handles {@code intelligence.memory.delete}. */
  public MemoryMessages.DeleteReply delete(MemoryMessages.DeleteRequest req) {
    if (req == null || req.ids() == null || req.ids().isEmpty()) {
      throw DwException.invalidArgument("a delete needs ids: {\"ids\":[\"...\"]}");
    }
    return new MemoryMessages.DeleteReply(backend.deleteAll(req.ids()));
  }

  /** Handles {@code intelligence.memory.stats}. */
  public MemoryMessages.StatsReply stats() {
    Health h = health();
    return new MemoryMessages.StatsReply(backend.name(), h.status().name(), h.message(),
        Arrays.stream(Capability.values()).filter(backend.capabilities()::contains).toList(), backend.statistics());
  }

  /** The backend's health, DEGRADED too when the last expiry sweep failed. */
  public Health health() {
    Health h = backend.health().withDetail("backend", backend.name());
    String e = lastSweepError;
    return e == null ? h : h.withComponent("ttl-sweep", Health.degraded("purging expired records failed: " + e));
  }

  /** Unsubscribes, stops the sweep, flushes and closes the backend. */
  @Override
  public synchronized void close() {
    subscriptions.forEach(Subscription::unsubscribe);
    subscriptions.clear();
    if (sweep != null) {
      sweep.cancel(false);
    }
    try {
      backend.flush();
    } catch (RuntimeException e) {
      LOG.warn("memory store: flush at close failed: {}", Health.describe(e));
    }
    backend.close();
  }
}
