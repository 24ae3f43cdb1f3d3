package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.provider.ResilienceOptions;
import io.datawarehouse.sdk.provider.ResilientBackend;
import io.datawarehouse.tamperproof.Incident;
import io.datawarehouse.tamperproof.RecordInfo;
import io.datawarehouse.tamperproof.TamperProofEvent;
import io.datawarehouse.tamperproof.TamperProofStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every record's remote WORM copy, through the provider pattern: each write (and, at start,
 * every record the ledger shows without a REMOTE_COPY entry) is queued and copied by a worker on a
 * virtual thread; while the remote is unreachable {@link ResilientBackend} journals the copy to
 * disk and replays it when the remote answers again, so a copy is never lost, only late. A copy that
 * reaches the remote is recorded in the ledger (REMOTE_COPY). Health shows the backlog.
 *
 * <p>Repair: an integrity incident that says a record's local bytes are damaged or missing makes
 * the worker fetch the remote copy; when it hashes to the ledger's SHA-256 the local file is
 * replaced (the damaged one kept in quarantine) and the repair recorded (REPAIR).
 *
 * <p>Thread-safe.
 */
public final class RemoteCopies implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteCopies.class);
  private static final String COPY = "copy";

  private final TamperProofStore store;
  private final RemoteWormTarget remote;
  private final ResilientBackend<RemoteWormTarget> backend;
  private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final AtomicLong copied = new AtomicLong();
  private final AtomicLong repaired = new AtomicLong();
  private final AtomicLong failedRepairs = new AtomicLong();
  private volatile String lastError;
  private volatile Thread worker;

  private record Task(String recordId, boolean repair) {}

  /**
   * @param remote the real remote ({@link S3WormStorage} or {@link AzureWormStorage})
   * @param journalDir where the provider pattern keeps copies waiting for an unreachable remote
   */
  public RemoteCopies(TamperProofStore store, RemoteWormTarget remote, ResilienceOptions options, Path journalDir,
      Time time, ScheduledExecutorService scheduler, MeterRegistry metrics, String metricsPrefix) {
    this.store = store;
    this.remote = remote;
    this.backend = ResilientBackend.<RemoteWormTarget>builder("tamperproof-remote-" + remote.provider())
        .target(remote.toString())
        .connector(() -> remote)
        .probe(RemoteWormTarget::probe)
        .applier(this::apply)
        .fallback(() -> new PendingRemoteCopies(remote.provider()))
        .options(options)
        .journalDir(journalDir)
        .time(time)
        .scheduler(scheduler)
        .metrics(metrics, metricsPrefix)
        .transientWhen(RemoteCopies::isTransient)
        .build();
  }

  /** Transient: the remote could not be reached or timed out; not: it refused the copy. */
  private static boolean isTransient(Throwable t) {
    return !(t instanceof DwException dw) || dw.isRetriable() || dw.code() == ErrorCode.INTERNAL;
  }

  /** Applies one journaled or direct copy: idempotent, as the provider pattern requires. */
  private void apply(RemoteWormTarget target, io.datawarehouse.sdk.provider.JournalRecord rec) throws Exception {
    String id = new String(rec.payload(), StandardCharsets.UTF_8);
    RecordInfo r;
    try {
      r = store.info(id);
    } catch (DwException e) {
      return; // never written here: nothing to copy
    }
    if (!r.exists() || store.hasRemoteCopy(id)) {
      return; // deleted meanwhile (its retention ended), or already copied
    }
    String location = target.copy(r);
    if (location != null) {
      store.recordRemoteCopy(id, target.provider(), location);
      copied.incrementAndGet();
    }
  }

  /**
   * Starts the provider pattern (reloading copies journaled by an earlier run), queues every record
   * without a remote copy, and starts the worker.
   */
  public void start() {
    backend.start();
    store.addListener(this::onEvent);
    for (RecordInfo r : store.withoutRemoteCopy()) {
      queue.add(new Task(r.id(), false));
    }
    if (!queue.isEmpty()) {
      LOG.info("{} record(s) have no remote copy yet ({}); copying them", queue.size(), remote);
    }
    worker = Thread.ofVirtual().name("tamperproof-remote").start(this::work);
  }

  private void onEvent(TamperProofEvent e) {
    if (e.type().equals("written")) {
      queue.add(new Task(e.recordId(), false));
    } else if (e.type().equals("incident") && e.recordId() != null) {
      Object kind = e.detail().get("kind");
      if (Incident.Kind.DATA_MISMATCH.name().equals(kind) || Incident.Kind.DATA_MISSING.name().equals(kind)) {
        queue.add(new Task(e.recordId(), true));
      }
    }
  }

  private void work() {
    while (!Thread.currentThread().isInterrupted()) {
      Task t;
      try {
        t = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        if (t.repair()) {
          repair(t.recordId());
        } else {
          backend.write(COPY, t.recordId(), t.recordId().getBytes(StandardCharsets.UTF_8));
        }
      } catch (DwException e) {
        lastError = e.getMessage();
        if (e.code() == ErrorCode.UNAVAILABLE && !t.repair()) {
          // the journal is full: keep the copy queued (the ledger has it anyway) and wait a little
          queue.add(t);
          try {
            Thread.sleep(java.time.Duration.ofSeconds(1));
          } catch (InterruptedException ie) {
            return;
          }
        } else {
          LOG.warn("remote copy task for record {} failed: {}", t.recordId(), e.getMessage());
        }
      } catch (RuntimeException e) {
        lastError = Health.describe(e);
        LOG.warn("remote copy task for record {} failed: {}", t.recordId(), lastError);
      }
    }
  }

  /** Restores record {@code id}'s local copy from its remote copy, when it has one. */
  public void repair(String id) {
    RecordInfo r = store.info(id);
    if (!r.exists() || !store.hasRemoteCopy(id)) {
      LOG.warn("record {}: its local copy is damaged and it has no remote copy to restore it from", id);
      failedRepairs.incrementAndGet();
      return;
    }
    Path tmp = store.directory().resolve(io.datawarehouse.sdk.io.AtomicFiles.TEMP_PREFIX + "fetch-" + id);
    try {
      backend.read(target -> {
        try (OutputStream out = java.nio.file.Files.newOutputStream(tmp)) {
          target.fetch(r, out);
        }
        try (InputStream in = java.nio.file.Files.newInputStream(tmp)) {
          store.repair(id, in, remote.provider() + " copy");
        }
        return null;
      });
      repaired.incrementAndGet();
    } catch (DwException e) {
      failedRepairs.incrementAndGet();
      LOG.warn("record {}: could not be restored from its remote copy: {}", id, e.getMessage());
      throw e;
    } finally {
      try {
        java.nio.file.Files.deleteIfExists(tmp);
      } catch (IOException e) {
        LOG.warn("cannot delete {}: {}", tmp, e.getMessage());
      }
    }
  }

  /** Copies not yet on the remote: queued plus journaled while it was unreachable. */
  public long backlog() {
    return queue.size() + backend.pendingRecords();
  }

  /** The provider pattern's state. */
  public ResilientBackend.State state() {
    return backend.state();
  }

  /** Runs the remote's health probe now (tests; the scheduler runs it every probe interval). */
  public void probeNow() {
    backend.probeOnce();
  }

  /** Health: the provider pattern's, with the backlog and repair counts. */
  public Health health() {
    Health h = backend.health()
        .withDetail("backlog", backlog())
        .withDetail("copied", copied.get())
        .withDetail("repaired", repaired.get())
        .withDetail("failedRepairs", failedRepairs.get());
    return lastError == null ? h : h.withDetail("lastTaskError", lastError);
  }

  @Override
  public void close() {
    Thread w = worker;
    if (w != null) {
      w.interrupt();
      try {
        w.join(java.time.Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    backend.close();
  }
}
