package io.datawarehouse.storage.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.sdk.provider.ResilienceOptions;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreProvider;
import io.datawarehouse.storage.StoreSpec;
import io.datawarehouse.storage.query.QuerySourceProvider;
import io.datawarehouse.storage.query.SourceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage plugin: opens the configured object stores (the {@code local} one by default, the
 * others through their connectors) and data sources, and answers the {@code storage.*} topics
 * (queue group {@code storage}, so several nodes share the load).
 *
 * <p>Health is the worst of the stores' and sources' last probes, run in the background every
 * {@code probeInterval} (never on the caller's thread). A store or source that cannot be opened
 * (bad options, missing connector) fails the start, with the reason; one that is only unreachable
 * starts DOWN in health and its requests fail with UNAVAILABLE until it answers.
 */
public final class StoragePlugin implements Plugin {
  private static final Logger LOG = LoggerFactory.getLogger(StoragePlugin.class);
  /** Topics this plugin answers. */
  static final List<String> TOPICS = List.of("storage.write", "storage.write.worm", "storage.read", "storage.delete",
      "storage.list", "storage.stat", "storage.query");

  private static final ConfigDef STORE = ConfigDef.builder()
      .define("type", ConfigDef.Type.STRING, "local", Validators.nonBlank(), "store type: local, s3, azure-blob")
      .string("url", null, "connection string: s3://bucket, azure-blob://container (the type's options may say the same)")
      .json("options", "the type's options (see the connector's README)")
      .bool("governanceBypass", false, "allow storage.write.worm action 'shorten' (bypassGovernanceRetention) to shorten "
          + "GOVERNANCE retentions in this store; the bus has no authentication, so whoever reaches it may then")
      .size("journalObjectMax", "8MiB", Validators.range(0, 256L << 20),
          "remote stores: the largest put journaled while the service is down (larger ones need it up)")
      .build()
      .merge(ResilienceOptions.configDef());

  static final ConfigDef DEF = ConfigDef.builder()
      .string("defaultStore", "default", "the store used when a request names none")
      .map("stores", STORE, "object stores by name; none configured: one local store named 'default'")
      .map("sources", SourceConfig.DEF, "data sources for storage.query by name")
      .size("chunkSize", "512KiB", Validators.range(1024, 700 * 1024), "largest content in one bus message (raw bytes; base64 on the wire)")
      .duration("uploadIdle", "10m", "a chunked upload with no chunk for this long is dropped")
      .size("lookupContentMax", "64KiB", Validators.range(0, 512 * 1024), "largest content an object lookup on storage.query returns")
      .size("maxReplyBytes", "1000KiB", Validators.range(4096, 64L << 20), "largest reply; keep at or under the bus's maxPayload")
      .duration("probeInterval", "30s", "how often stores and sources are probed for health")
      .build();

  private final Map<String, ObjectStore> stores = new LinkedHashMap<>();
  private final Map<String, StorageService.Source> sources = new LinkedHashMap<>();
  private final Map<String, Health> lastProbe = new ConcurrentHashMap<>();
  private final List<Subscription> subscriptions = new ArrayList<>();
  private ScheduledFuture<?> probeTask;
  private volatile Health health = Health.down("not started");

  @Override
  public String id() {
    return "storage";
  }

  @Override
  public String description() {
    return "objects on local disk, S3 and Azure Blob; WORM writes; lookups against databases";
  }

  @Override
  public ConfigDef configDef() {
    return DEF;
  }

  @Override
  public void start(PluginContext ctx) throws Exception {
    Config c = ctx.config();
    ClassLoader cl = StoragePlugin.class.getClassLoader();
    Map<String, Config> configured = c.getMap("stores");
    if (configured.isEmpty()) {
      stores.put("default", ObjectStoreProvider.forType("local", cl).open(new StoreSpec("default", null,
          Config.defaults("storage.stores.default.options", ConfigDef.empty()), ctx.dataDir().resolve("stores/default"), ctx.time())));
    }
    for (Map.Entry<String, Config> e : configured.entrySet()) {
      stores.put(e.getKey(), openStore(ctx, e.getKey(), e.getValue(), cl));
    }
    String def = c.getString("defaultStore");
    if (!stores.containsKey(def)) {
      throw DwException.invalidArgument("storage.defaultStore '" + def + "' is not a configured store; stores: " + stores.keySet());
    }
    for (Map.Entry<String, Config> e : c.getMap("sources").entrySet()) {
      String url = e.getValue().getString("url");
      sources.put(e.getKey(), new StorageService.Source(QuerySourceProvider.forUrl(url, cl).open(e.getKey(), e.getValue()),
          e.getValue()));
    }
    Path uploads = ctx.dataDir().resolve("uploads");
    if (Files.isDirectory(uploads)) {
      try (var s = Files.list(uploads)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          Files.deleteIfExists(p); // buffers of uploads interrupted by the last stop
        }
      }
    }
    java.util.Set<String> bypass = new java.util.HashSet<>();
    configured.forEach((n, sc) -> {
      if (Boolean.TRUE.equals(sc.getBoolean("governanceBypass"))) {
        bypass.add(n);
      }
    });
    StorageService svc = new StorageService(stores, bypass, def, sources, new StorageService.Limits(
        Math.toIntExact(c.getSize("chunkSize")), c.getDuration("uploadIdle"), Math.toIntExact(c.getSize("lookupContentMax")),
        Math.toIntExact(c.getSize("maxReplyBytes"))), uploads, ctx.time());
    Map<String, MessageHandler> handlers = new LinkedHashMap<>();
    handlers.put("storage.write", svc::write);
    handlers.put("storage.write.worm", svc::writeWorm);
    handlers.put("storage.read", svc::read);
    handlers.put("storage.delete", svc::delete);
    handlers.put("storage.list", svc::list);
    handlers.put("storage.stat", svc::stat);
    handlers.put("storage.query", svc::query);
    for (Map.Entry<String, MessageHandler> h : handlers.entrySet()) {
      subscriptions.add(ctx.bus().subscribe(h.getKey(), SubscribeOptions.group("storage").withName("storage:" + h.getKey()),
          h.getValue()));
    }
    probeAll();
    long every = c.getDuration("probeInterval").toMillis();
    probeTask = ctx.scheduler().scheduleWithFixedDelay(() -> Thread.ofVirtual().name("dw-storage-probe").start(this::probeAll),
        every, every, TimeUnit.MILLISECONDS);
  }

  private ObjectStore openStore(PluginContext ctx, String name, Config sc, ClassLoader cl) {
    String type = sc.getString("type");
    ObjectStoreProvider p = ObjectStoreProvider.forType(type, cl);
    Config options = p.configDef().parse("storage.stores." + name + ".options",
        sc.getJson("options") == null ? Json.object() : sc.getJson("options"));
    Path dir = ctx.dataDir().resolve("stores").resolve(name);
    StoreSpec spec = new StoreSpec(name, sc.getString("url"), options, dir, ctx.time());
    if (type.equals("local")) {
      return p.open(spec);
    }
    String target = type + ":" + (sc.getString("url") != null ? sc.getString("url") : name);
    ResilientObjectStore r = new ResilientObjectStore(name, type, target, () -> p.open(spec), ResilienceOptions.from(sc),
        sc.getSize("journalObjectMax"), dir, ctx.time(), ctx.scheduler(), ctx.metrics());
    r.start();
    return r;
  }

  private void probeAll() {
    Map<String, Health> all = new LinkedHashMap<>();
    stores.forEach((n, s) -> all.put("store:" + n, probe(() -> s.probe())));
    sources.forEach((n, s) -> all.put("source:" + n, probe(() -> s.source().probe())));
    all.forEach((k, h) -> {
      Health before = lastProbe.put(k, h);
      if (before != null && before.status() != h.status()) {
        LOG.warn("storage {} is now {}: {}", k, h.status(), h.message());
      }
    });
    health = Health.aggregate(summary(), all);
  }

  private String summary() {
    return stores.size() + " stores, " + sources.size() + " sources";
  }

  private static Health probe(java.util.function.Supplier<Health> p) {
    try {
      return p.get();
    } catch (RuntimeException e) {
      return Health.down("probe failed", e);
    }
  }

  @Override
  public void stop() {
    if (probeTask != null) {
      probeTask.cancel(false);
    }
    subscriptions.forEach(Subscription::close);
    subscriptions.clear();
    sources.values().forEach(s -> s.source().close());
    stores.values().forEach(ObjectStore::close);
    sources.clear();
    stores.clear();
    health = Health.down("stopped");
  }

  @Override
  public Health health() {
    // remote stores report their provider state live (cheap: no I/O); the rest as last probed
    Map<String, Health> live = new LinkedHashMap<>(health.components());
    boolean changed = false;
    for (Map.Entry<String, ObjectStore> e : stores.entrySet()) {
      if (e.getValue() instanceof ResilientObjectStore r) {
        live.put("store:" + e.getKey(), r.probe());
        changed = true;
      }
    }
    return changed ? Health.aggregate(summary(), live) : health;
  }
}
