package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.sdk.provider.JournalRecord;
import io.datawarehouse.sdk.provider.ResilienceOptions;
import io.datawarehouse.sdk.provider.ResilientBackend;
import io.datawarehouse.tamperproof.Incident;
import io.datawarehouse.tamperproof.RecordInfo;
import io.datawarehouse.tamperproof.RetentionMode;
import io.datawarehouse.tamperproof.TamperProofEvent;
import io.datawarehouse.tamperproof.TamperProofStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
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
 * <p>Legal hold and retention changes follow the copy: each {@code hold}, {@code extended} or
 * {@code shortened} event queues a change carrying the values its ledger entry set, which goes the
 * same way as the copies (directly, or journaled and replayed in journal order while the remote is
 * unreachable) to {@code storage.write.worm} with {@code action} legalHold or extend. One worker and
 * one journal keep a record's copy ahead of its changes. A change that reached the remote is
 * recorded too (REMOTE_COPY, {@link RemoteChange}: which ledger entry the remote's hold or
 * retention is now current with), so applying it again is skipped: a replay after a crash, a copy
 * that was sent after the change and carried it already, or two changes queued out of ledger order
 * (the older is skipped) apply nothing twice. A change of a record whose copy is not there yet is
 * left to the copy, which carries the record's state when it is sent. On start, records whose
 * remote copy lags behind the ledger (a change made just before a crash) are queued again with
 * their current state. A copy that finds its object stored already (an earlier attempt whose reply
 * was lost) then sets the record's current hold and retention on it.
 *
 * <p>What the remote refuses for good (not UNAVAILABLE or a timeout, which are journaled and
 * replayed) is logged, counted in health (DEGRADED) and not recorded, so the next start tries it
 * again; it does not stop the replay of what is journaled behind it.
 *
 * <p>A governance retention shortened here (a SHORTEN entry, made with the governance-bypass
 * permission) goes to the remote as {@code action} shorten with {@code bypassGovernanceRetention}
 * (S3's x-amz-bypass-governance-retention; the storage plugin's store must allow it). When the
 * remote refuses that (a store without {@code governanceBypass}: PERMISSION_DENIED) it is counted
 * and reported like any refused change; the remote keeps the longer retention.
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
  private static final String CHANGE = "change";

  private final TamperProofStore store;
  private final RemoteWormTarget remote;
  private final ResilientBackend<RemoteWormTarget> backend;
  private final BlockingDeque<Task> queue = new LinkedBlockingDeque<>();
  private final AtomicLong copied = new AtomicLong();
  private final AtomicLong changed = new AtomicLong();
  private final AtomicLong failedChanges = new AtomicLong();
  private final AtomicLong failedCopies = new AtomicLong();
  /**
   * What an earlier run left in the journal (applied to the fallback when it is reloaded): copies,
   * and the latest hold / retention entry per record; kept while {@link #start} queues what the
   * journal lacks, then dropped.
   */
  private volatile boolean noting = true;
  private final Set<String> journaledCopies = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> journaledHolds = new ConcurrentHashMap<>();
  private final Map<String, Long> journaledRetentions = new ConcurrentHashMap<>();
  private final AtomicLong repaired = new AtomicLong();
  private final AtomicLong failedRepairs = new AtomicLong();
  private volatile String lastError;
  private volatile Thread worker;

  private enum Kind { COPY, CHANGE, REPAIR }

  /** One job of the worker: a copy, a change (payload: the {@link Change} as JSON) or a repair. */
  private record Task(Kind kind, String recordId, byte[] payload) {
    static Task copy(String id) {
      return new Task(Kind.COPY, id, id.getBytes(StandardCharsets.UTF_8));
    }

    static Task change(Change c) {
      return new Task(Kind.CHANGE, c.id(), Json.toBytes(c));
    }
  }

  /**
   * A legal hold or retention change on its way to the remote copy, as journaled: the values ledger
   * entry {@code entry} set.
   *
   * @param id the record
   * @param action {@link RemoteChange#LEGAL_HOLD}, {@link RemoteChange#EXTEND} or {@link
   *     RemoteChange#SHORTEN} (a retention the remote may have longer: set with the governance bypass)
   * @param legalHold the hold (legalHold)
   * @param mode the retention mode (extend)
   * @param retainUntil the retain-until date (extend)
   * @param entry the ledger entry that made the change
   */
  record Change(String id, String action, Boolean legalHold, RetentionMode mode, Instant retainUntil, long entry) {
    static Change hold(String id, boolean on, long entry) {
      return new Change(id, RemoteChange.LEGAL_HOLD, on, null, null, entry);
    }

    static Change retention(String id, RetentionMode mode, Instant until, long entry, boolean shortened) {
      return new Change(id, shortened ? RemoteChange.SHORTEN : RemoteChange.EXTEND, null, mode, until, entry);
    }

    boolean isHold() {
      return RemoteChange.LEGAL_HOLD.equals(action);
    }
  }

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

  /** Applies one journaled or direct copy or change: idempotent, as the provider pattern requires. */
  private void apply(RemoteWormTarget target, JournalRecord rec) throws Exception {
    if (target instanceof PendingRemoteCopies) {
      if (noting) {
        noteJournaled(rec);
      }
      return; // the journal has it: nothing else to do until the remote answers
    }
    switch (rec.type()) {
      case COPY -> applyCopy(target, new String(rec.payload(), StandardCharsets.UTF_8));
      case CHANGE -> applyChange(target, Json.fromBytes(rec.payload(), Change.class, "remote journal record " + rec.seq()));
      default -> throw DwException.integrity("remote journal record " + rec + " has an unknown type '" + rec.type() + "'");
    }
  }

  private void noteJournaled(JournalRecord rec) {
    if (rec.type().equals(COPY)) {
      journaledCopies.add(new String(rec.payload(), StandardCharsets.UTF_8));
    } else if (rec.type().equals(CHANGE)) {
      Change c = Json.fromBytes(rec.payload(), Change.class, "remote journal record " + rec.seq());
      (c.isHold() ? journaledHolds : journaledRetentions).merge(c.id(), c.entry(), Math::max);
    }
  }

  private void applyCopy(RemoteWormTarget target, String id) throws Exception {
    RecordInfo r = existing(id);
    if (r == null || store.hasRemoteCopy(id)) {
      return; // never written here, deleted meanwhile (its retention ended), or already copied
    }
    RemoteWormTarget.Copy copy;
    try {
      store.ensureDataFile(id); // a small record's data file may still be queued
      copy = target.copy(r); // with the hold and retention as of r.lastChange()
      if (copy == null) {
        return;
      }
      if (copy.existed()) {
        // stored by an earlier attempt whose reply was lost, with the hold and retention of then: bring
        // them up to r's (both requests are harmless repeats when they are current already)
        target.setLegalHold(r, r.legalHold());
        if (r.retainUntil().isAfter(store.trustedNow())) {
          if (store.remoteNeedsShortening(id)) {
            shorten(target, r, r.mode(), r.retainUntil()); // shortened here since that attempt
          } else {
            target.extendRetention(r, r.mode(), r.retainUntil());
          }
        }
      }
    } catch (DwException e) {
      refused(e, failedCopies, "record " + id + ": the remote refused its copy", r.ledgerIndex());
      return;
    }
    store.recordRemoteCopy(id, target.provider(), copy.location(), r.lastChange());
    copied.incrementAndGet();
  }

  private void applyChange(RemoteWormTarget target, Change c) throws Exception {
    RecordInfo r = existing(c.id());
    if (r == null || !store.hasRemoteCopy(c.id()) || store.remoteHas(c.id(), c.isHold(), c.entry())) {
      // deleted; not copied yet (the copy, journaled before this change, carries the state it finds);
      // or the remote has this change or a later one already (a replay, a copy sent after it)
      return;
    }
    String location;
    try {
      if (c.isHold()) {
        location = target.setLegalHold(r, c.legalHold());
      } else if (c.retainUntil().isAfter(store.trustedNow())) {
        location = RemoteChange.SHORTEN.equals(c.action()) ? shorten(target, r, c.mode(), c.retainUntil())
            : target.extendRetention(r, c.mode(), c.retainUntil());
      } else {
        LOG.debug("record {}: retention until {} has ended; nothing to extend remotely", c.id(), c.retainUntil());
        return;
      }
    } catch (DwException e) {
      refused(e, failedChanges, "record " + c.id() + ": the remote copy refused " + c.action(), c.entry());
      return;
    }
    if (location != null) {
      store.recordRemoteChange(c.id(), target.provider(), location, c.action(), c.entry());
      changed.incrementAndGet();
    }
  }

  /**
   * Gives the remote copy a retention that may be shorter than the one it has (the ledger has a
   * SHORTEN entry it lacks): GOVERNANCE until {@code until} with the governance bypass, then, when
   * the record has since been made COMPLIANCE, extended to that.
   */
  private static String shorten(RemoteWormTarget target, RecordInfo r, RetentionMode mode, Instant until) throws Exception {
    String location = target.shortenRetention(r, until);
    if (location != null && mode == RetentionMode.COMPLIANCE) {
      location = target.extendRetention(r, mode, until);
    }
    return location;
  }

  /**
   * A copy or change the remote failed: rethrown when the remote did not answer (the provider pattern
   * journals and replays it); when it refused (its copy is gone, it has no WORM, the local bytes do not
   * verify...) no retry would change that, and it must not hold up what is journaled behind it: logged,
   * counted, shown in health, not recorded in the ledger, so the next start tries it again.
   */
  private void refused(DwException e, AtomicLong counter, String what, long entry) {
    if (isTransient(e)) {
      throw e;
    }
    counter.incrementAndGet();
    lastError = what + ": " + e.getMessage();
    LOG.warn("{} (ledger entry {}); its remote copy lags behind the ledger until the next start", lastError, entry);
  }

  private RecordInfo existing(String id) {
    try {
      RecordInfo r = store.info(id);
      return r.exists() ? r : null;
    } catch (DwException e) {
      return null;
    }
  }

  /**
   * Starts the provider pattern (reloading copies and changes journaled by an earlier run), queues
   * every record without a remote copy and every change the ledger has that its remote copy is not
   * recorded to have, and starts the worker.
   */
  public void start() {
    backend.start();
    store.addListener(this::onEvent);
    // what an earlier run journaled is replayed from the journal; queue only what it lacks
    for (RecordInfo r : store.withoutRemoteCopy()) {
      if (!journaledCopies.contains(r.id())) {
        queue.add(Task.copy(r.id()));
      }
    }
    if (!queue.isEmpty()) {
      LOG.info("{} record(s) have no remote copy yet ({}); copying them", queue.size(), remote);
    }
    int lagging = 0;
    for (RecordInfo r : store.withLaggingRemoteCopy()) {
      int queued = queue.size();
      long hold = store.lastWormChange(r.id(), true);
      if (!store.remoteHas(r.id(), true, hold) && journaledHolds.getOrDefault(r.id(), -1L) < hold) {
        queue.add(Task.change(Change.hold(r.id(), r.legalHold(), hold)));
      }
      long retention = store.lastWormChange(r.id(), false);
      if (!store.remoteHas(r.id(), false, retention) && journaledRetentions.getOrDefault(r.id(), -1L) < retention) {
        queue.add(Task.change(Change.retention(r.id(), r.mode(), r.retainUntil(), retention,
            store.remoteNeedsShortening(r.id()))));
      }
      lagging += queue.size() > queued ? 1 : 0;
    }
    noting = false;
    journaledCopies.clear();
    journaledHolds.clear();
    journaledRetentions.clear();
    if (lagging > 0) {
      LOG.info("{} record(s) have legal hold or retention changes their remote copy lacks ({}); sending them", lagging, remote);
    }
    worker = Thread.ofVirtual().name("tamperproof-remote").start(this::work);
  }

  private void onEvent(TamperProofEvent e) {
    if (e.type().equals("written")) {
      queue.add(Task.copy(e.recordId()));
    } else if (e.type().equals("hold")) {
      queue.add(Task.change(Change.hold(e.recordId(), Boolean.TRUE.equals(e.detail().get("legalHold")), e.ledgerIndex())));
    } else if (e.type().equals("extended") || e.type().equals("shortened")) {
      queue.add(Task.change(Change.retention(e.recordId(), RetentionMode.parse(String.valueOf(e.detail().get("mode"))),
          Instant.parse(String.valueOf(e.detail().get("retainUntil"))), e.ledgerIndex(), e.type().equals("shortened"))));
    } else if (e.type().equals("incident") && e.recordId() != null) {
      Object kind = e.detail().get("kind");
      if (Incident.Kind.DATA_MISMATCH.name().equals(kind) || Incident.Kind.DATA_MISSING.name().equals(kind)) {
        queue.add(new Task(Kind.REPAIR, e.recordId(), null));
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
        switch (t.kind()) {
          case REPAIR -> repair(t.recordId());
          case COPY -> backend.write(COPY, t.recordId(), t.payload());
          case CHANGE -> backend.write(CHANGE, t.recordId(), t.payload());
        }
      } catch (DwException e) {
        lastError = e.getMessage();
        if (e.code() == ErrorCode.UNAVAILABLE && t.kind() != Kind.REPAIR) {
          // the journal is full: keep the task first in line (the ledger has it anyway; later changes
          // must not overtake it) and wait a little
          queue.addFirst(t);
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

  /** Copies and changes not yet on the remote: queued plus journaled while it was unreachable. */
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
        .withDetail("changesApplied", changed.get())
        .withDetail("failedCopies", failedCopies.get())
        .withDetail("failedChanges", failedChanges.get())
        .withDetail("repaired", repaired.get())
        .withDetail("failedRepairs", failedRepairs.get());
    long refused = failedCopies.get() + failedChanges.get();
    if (refused > 0 && h.status() == Health.Status.UP) {
      // remote copies missing, or lacking a hold or retention the ledger has: not as configured
      h = new Health(Health.Status.DEGRADED, refused + " cop(ies) or legal hold / retention change(s) were refused by the "
          + "remote; those remote copies lag behind the ledger until a restart sends them again", h.details(), h.components());
    }
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
