package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.tamperproof.RecordInfo;
import io.datawarehouse.tamperproof.RetentionMode;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state of every record and namespace policy, derived from the ledger alone: replaying the
 * entries in order rebuilds it exactly, so nothing outside the ledger (metadata files, the
 * process's memory) is ever the authority on retention or holds.
 *
 * <p>{@link #apply} also checks that each entry makes sense given the ones before it (a record is
 * written once, changed only while it exists...); an entry that does not is INTEGRITY.
 *
 * <p>Thread-safe for reads; {@link #apply} is called by one thread at a time (the store's lock).
 */
public final class RecordIndex {
  /** A namespace's policy as last recorded in the ledger. */
  public record Policy(RetentionMode mode, Duration retention, long ledgerIndex) {}

  private final Map<String, RecordInfo> records = new ConcurrentHashMap<>();
  private final Map<String, Policy> policies = new ConcurrentHashMap<>();
  private final Map<String, Long> remoteCopies = new ConcurrentHashMap<>();
  private final Map<String, Long> lastHoldChange = new ConcurrentHashMap<>();
  private final Map<String, Long> lastRetentionChange = new ConcurrentHashMap<>();
  private final Map<String, Long> lastShorten = new ConcurrentHashMap<>();
  private final Map<String, Long> remoteHoldState = new ConcurrentHashMap<>();
  private final Map<String, Long> remoteRetentionState = new ConcurrentHashMap<>();
  private volatile long live;
  private String[] entryRecords = new String[1024];
  private volatile long entries;

  /** The record with {@code id}, deleted or not, or null. */
  public RecordInfo get(String id) {
    return records.get(id);
  }

  /** Every record ever written, deleted ones included. */
  public Collection<RecordInfo> all() {
    return records.values();
  }

  /** Number of records that exist. */
  public long liveCount() {
    return live;
  }

  /** The ledger entry that recorded record {@code id}'s remote WORM copy, or null when it has none. */
  public Long remoteCopy(String id) {
    return remoteCopies.get(id);
  }

  /**
   * Whether record {@code id}'s remote copy lags behind its ledger state: it has a remote copy, and
   * a legal hold ({@code hold}) or retention (otherwise) change after the latest state the remote
   * was recorded to have (REMOTE_COPY entries, {@link RemoteChange}).
   */
  public boolean remoteLags(String id, boolean hold) {
    if (remoteCopies.get(id) == null) {
      return false;
    }
    Map<String, Long> last = hold ? lastHoldChange : lastRetentionChange;
    Map<String, Long> remote = hold ? remoteHoldState : remoteRetentionState;
    return last.getOrDefault(id, -1L) > remote.getOrDefault(id, -1L);
  }

  /** The index of the latest ledger entry that set record {@code id}'s legal hold ({@code hold}) or retention. */
  public long lastChange(String id, boolean hold) {
    return (hold ? lastHoldChange : lastRetentionChange).getOrDefault(id, -1L);
  }

  /**
   * Whether the remote copy of record {@code id} is recorded to reflect its legal hold ({@code
   * hold}) or retention as of ledger entry {@code index} or later.
   */
  public boolean remoteHas(String id, boolean hold, long index) {
    return (hold ? remoteHoldState : remoteRetentionState).getOrDefault(id, -1L) >= index;
  }

  /**
   * Whether record {@code id} has a SHORTEN entry after the latest retention state its remote copy
   * is recorded to have (any, when it has no remote copy).
   */
  public boolean shortenedSinceRemote(String id) {
    return lastShorten.getOrDefault(id, -1L) > remoteRetentionState.getOrDefault(id, -1L);
  }

  /** The last recorded policy of {@code namespace}, or null. */
  public Policy policy(String namespace) {
    return policies.get(namespace);
  }

  /** The record ledger entry {@code index} is about, or null (store-wide entries, unknown index). */
  public String recordOf(long index) {
    synchronized (this) {
      return index >= 0 && index < entries ? entryRecords[(int) index] : null;
    }
  }

  /** Counts entry {@code index} without applying it (an audit skipping an unreadable entry). */
  public void skip(long index) {
    synchronized (this) {
      if (index == entries) {
        if (index == entryRecords.length) {
          entryRecords = java.util.Arrays.copyOf(entryRecords, entryRecords.length * 2);
        }
        entries = index + 1;
      }
    }
  }

  /** Applies ledger entry {@code index}. */
  public void apply(long index, LedgerEvent e) {
    applyState(index, e);
    synchronized (this) {
      if (index == entryRecords.length) {
        entryRecords = java.util.Arrays.copyOf(entryRecords, entryRecords.length * 2);
      }
      if (index == entries) {
        entryRecords[(int) index] = e.id();
        entries = index + 1;
      }
    }
  }

  private void applyState(long index, LedgerEvent e) {
    switch (e.type()) {
      case WRITE -> {
        require(e, e.id() != null && e.namespace() != null && e.sha256() != null && e.size() != null
            && e.mode() != null && e.retainUntil() != null, "a WRITE without id, namespace, hash, size or retention");
        if (records.containsKey(e.id())) {
          throw bad(index, "writes record " + e.id() + " a second time (first written by entry "
              + records.get(e.id()).ledgerIndex() + ")");
        }
        records.put(e.id(), new RecordInfo(e.id(), e.namespace(), e.sha256(), e.size(), e.at(), e.contentType(),
            e.metadata(), e.mode(), e.retainUntil(), Boolean.TRUE.equals(e.hold()), index, index, null));
        lastHoldChange.put(e.id(), index);
        lastRetentionChange.put(e.id(), index);
        live++;
      }
      case HOLD -> {
        RecordInfo r = existing(index, e);
        require(e, e.hold() != null, "a HOLD without the hold state");
        put(r, r.mode(), r.retainUntil(), e.hold(), index, null);
        lastHoldChange.put(r.id(), index);
      }
      case EXTEND, SHORTEN -> {
        RecordInfo r = existing(index, e);
        require(e, e.mode() != null && e.retainUntil() != null, "a retention change without mode or date");
        if (e.type() == LedgerEvent.Type.EXTEND && e.retainUntil().isBefore(r.retainUntil())) {
          throw bad(index, "is an EXTEND that shortens record " + r.id() + "'s retention");
        }
        if (r.mode() == RetentionMode.COMPLIANCE && (e.type() == LedgerEvent.Type.SHORTEN || e.mode() != RetentionMode.COMPLIANCE)) {
          throw bad(index, "weakens the retention of compliance record " + r.id());
        }
        put(r, e.mode(), e.retainUntil(), r.legalHold(), index, null);
        lastRetentionChange.put(r.id(), index);
        if (e.type() == LedgerEvent.Type.SHORTEN) {
          lastShorten.put(r.id(), index);
        }
      }
      case DELETE -> {
        RecordInfo r = existing(index, e);
        if (r.legalHold() || e.at().isBefore(r.retainUntil())) {
          throw bad(index, "deletes record " + r.id() + " while it is locked (hold " + r.legalHold()
              + ", retained until " + r.retainUntil() + ")");
        }
        put(r, r.mode(), r.retainUntil(), r.legalHold(), index, e.at());
        live--;
      }
      case READ_AUDIT, REPAIR -> existing(index, e);
      case REMOTE_COPY -> {
        RecordInfo r = existing(index, e);
        remoteCopies.putIfAbsent(r.id(), index);
        RemoteChange c = RemoteChange.of(e.detail(), r.ledgerIndex());
        if (c.coversHold()) {
          remoteHoldState.merge(r.id(), c.state(), Math::max);
        }
        if (c.coversRetention()) {
          remoteRetentionState.merge(r.id(), c.state(), Math::max);
        }
      }
      case POLICY -> {
        require(e, e.namespace() != null && e.mode() != null, "a POLICY without namespace or mode");
        policies.put(e.namespace(), new Policy(e.mode(), e.retention() == null ? null : Duration.parse(e.retention()), index));
      }
      case SCAN, RECOVERY -> {
        // store-wide events: nothing to apply
      }
      default -> throw bad(index, "has an unknown type " + e.type());
    }
  }

  private RecordInfo existing(long index, LedgerEvent e) {
    RecordInfo r = e.id() == null ? null : records.get(e.id());
    if (r == null) {
      throw bad(index, "is a " + e.type() + " of record " + e.id() + ", which was never written");
    }
    if (!r.exists()) {
      throw bad(index, "is a " + e.type() + " of record " + e.id() + ", which was deleted by entry " + r.lastChange());
    }
    return r;
  }

  private void put(RecordInfo r, RetentionMode mode, java.time.Instant until, boolean hold, long index, java.time.Instant deletedAt) {
    records.put(r.id(), new RecordInfo(r.id(), r.namespace(), r.sha256(), r.size(), r.createdAt(), r.contentType(),
        r.metadata(), mode, until, hold, r.ledgerIndex(), index, deletedAt));
  }

  private static void require(LedgerEvent e, boolean ok, String what) {
    if (!ok) {
      throw bad(e.seq(), "is " + what);
    }
  }

  private static DwException bad(long index, String what) {
    return DwException.integrity("ledger entry " + index + " " + what + ": the ledger contradicts itself");
  }
}
