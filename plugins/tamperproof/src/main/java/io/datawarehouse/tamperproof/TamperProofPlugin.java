package io.datawarehouse.tamperproof;

import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.tamperproof.internal.AzureWormStorage;
import io.datawarehouse.tamperproof.internal.DelegatedWormStorage;
import io.datawarehouse.tamperproof.internal.RecordFiles;
import io.datawarehouse.tamperproof.internal.RemoteCopies;
import io.datawarehouse.tamperproof.internal.S3WormStorage;
import io.datawarehouse.tamperproof.internal.TopicHandlers;
import io.micrometer.core.instrument.Gauge;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tamperproof plugin: a {@link TamperProofStore} under the plugin's data directory, its request
 * topics ({@code tamperproof.write|read|hold|extend|delete|proof|verify}), its events on {@code
 * tamperproof.events}, background integrity scans and checkpoints, and, when {@code remote.type}
 * is s3 or azure, remote WORM copies through the storage plugin ({@code storage.write.worm}) with
 * the provider pattern's durable journal while the storage plugin or the cloud is unreachable.
 *
 * <p>Health: DOWN when the store stopped taking changes; DEGRADED when the latest scan found
 * incidents or the remote copies are degraded (details show the backlog); UP otherwise.
 */
public final class TamperProofPlugin implements Plugin {
  private static final Logger LOG = LoggerFactory.getLogger(TamperProofPlugin.class);
  /** Where events are published. */
  public static final String EVENTS_TOPIC = "tamperproof.events";

  private volatile TamperProofStore store;
  private volatile RemoteCopies remote;
  private final List<Subscription> subscriptions = new ArrayList<>();
  private ScheduledFuture<?> checkpoints;

  @Override
  public String id() {
    return "tamperproof";
  }

  @Override
  public String description() {
    return "write-once records with retention and legal hold, a signed RFC 6962 ledger, integrity scans";
  }

  @Override
  public Set<String> startsAfter() {
    return Set.of("storage");
  }

  @Override
  public ConfigDef configDef() {
    return TamperProofConfig.DEFINITION;
  }

  @Override
  public void start(PluginContext context) {
    TamperProofConfig config = TamperProofConfig.from(context.config());
    TamperProofStore s = TamperProofStore.open(context.dataDir(), config, context.time());
    store = s;
    s.addListener(e -> {
      try {
        context.bus().publish(Message.json(EVENTS_TOPIC, e));
      } catch (RuntimeException ex) {
        LOG.warn("could not publish a {} event on {}: {}", e.type(), EVENTS_TOPIC, Health.describe(ex));
      }
    });
    if (config.remote().type() != TamperProofConfig.RemoteType.NONE) {
      RecordFiles files = new RecordFiles(context.dataDir());
      DelegatedWormStorage target = config.remote().type() == TamperProofConfig.RemoteType.S3
          ? new S3WormStorage(context.bus(), config.remote().store(), config.remote().timeout(), files)
          : new AzureWormStorage(context.bus(), config.remote().store(), config.remote().timeout(), files);
      remote = new RemoteCopies(s, target, config.remote().resilience(), context.dataDir().resolve("remote-journal"),
          context.time(), context.scheduler(), context.metrics(), context.metricName("remote"));
      remote.start();
    }
    Path transfer = config.transferDir() == null ? null : Path.of(config.transferDir());
    subscriptions.addAll(new TopicHandlers(s, config, transfer).subscribe(context.bus()));
    long every = Math.max(100, Math.min(config.checkpointInterval().toMillis(), 1000));
    checkpoints = context.scheduler().scheduleWithFixedDelay(
        () -> Thread.ofVirtual().name("tamperproof-checkpoint").start(s::checkpointIfDue), every, every, TimeUnit.MILLISECONDS);
    s.startBackgroundScans();
    Gauge.builder(context.metricName("records"), s, TamperProofStore::recordCount).register(context.metrics());
    Gauge.builder(context.metricName("ledger.entries"), s, TamperProofStore::ledgerSize).register(context.metrics());
    Gauge.builder(context.metricName("incidents"), s, x -> x.lastScan() == null ? 0 : x.lastScan().incidents().size())
        .register(context.metrics());
    LOG.info("tamperproof: {} record(s), {} ledger entries, log {}", s.recordCount(), s.ledgerSize(),
        s.latestCheckpoint() == null ? "-" : s.latestCheckpoint().origin());
  }

  @Override
  public void stop() {
    if (checkpoints != null) {
      checkpoints.cancel(false);
    }
    subscriptions.forEach(Subscription::unsubscribe);
    subscriptions.clear();
    if (remote != null) {
      remote.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Override
  public Health health() {
    TamperProofStore s = store;
    if (s == null) {
      return Health.down("not started");
    }
    if (s.failure() != null) {
      return Health.down(s.failure().getMessage());
    }
    VerifyReport scan = s.lastScan();
    Health h = scan != null && !scan.ok()
        ? Health.degraded("the latest integrity scan found " + scan.incidents().size() + " incident(s): "
            + scan.incidents().get(0))
        : Health.up(s.recordCount() + " record(s)");
    h = h.withDetail("records", s.recordCount()).withDetail("ledgerEntries", s.ledgerSize());
    if (s.latestCheckpoint() != null) {
      h = h.withDetail("checkpoint", s.latestCheckpoint().treeSize() + " entries at " + s.latestCheckpoint().timestamp());
    }
    if (scan != null) {
      h = h.withDetail("lastScan", (scan.ok() ? "ok" : scan.incidents().size() + " incident(s)") + ", "
          + scan.recordsChecked() + " record(s)");
    }
    RemoteCopies r = remote;
    return r == null ? h : h.withComponent("remote", r.health());
  }

  /** The store, while started (for tests and embedding). */
  public TamperProofStore store() {
    return store;
  }

  /** The remote copies, or null when none are configured. */
  RemoteCopies remoteCopies() {
    return remote;
  }
}
