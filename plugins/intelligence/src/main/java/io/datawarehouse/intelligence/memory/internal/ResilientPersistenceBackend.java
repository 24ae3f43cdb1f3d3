package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.BackendStatistics;
import io.datawarehouse.intelligence.memory.Capability;
import io.datawarehouse.intelligence.memory.MemoryQuery;
import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryWrite;
import io.datawarehouse.intelligence.memory.PersistenceBackend;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.provider.ResilientBackend;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An external {@link PersistenceBackend} behind the SDK's provider pattern ({@link
 * ResilientBackend}): the plugin sees one backend whatever the state of the service.
 *
 * <ul>
 *   <li>Unconditional writes (store, batch store, delete, touch) are {@link MemoryWrite}s: applied
 *       directly while connected; while degraded journaled (durably), applied to the bounded
 *       in-memory fallback and replayed in order, idempotently, when the service is back.
 *   <li>Optimistic updates need the stored version, which only the real backend has: while
 *       degraded they fail with UNAVAILABLE (never journaled, so a replay can never conflict).
 *   <li>Point reads: from the real backend, or while degraded from the fallback; a record the
 *       fallback does not hold is UNAVAILABLE, not a false "not found".
 *   <li>Queries, counts and maintenance need the whole store: UNAVAILABLE while degraded, rather
 *       than a silently partial answer.
 * </ul>
 *
 * The results of writes (stored versions, delete counts) are those of whichever backend applied
 * the write; versions assigned by the fallback are provisional until the replay.
 */
public final class ResilientPersistenceBackend implements PersistenceBackend {
  /** Set on the calling thread while a write wants its result (direct and fallback writes run there; replays do not). */
  private static final ThreadLocal<Object[]> RESULT = new ThreadLocal<>();

  private final String scheme;
  private final ResilientBackend<PersistenceBackend> rb;
  private final Set<PersistenceBackend> fallbacks;
  private volatile Set<Capability> capabilities = EnumSet.noneOf(Capability.class);

  /**
   * @param rb the wrapper, built with {@link #applier()} and started by the caller
   * @param fallbacks the fallback instances its factory created (to tell them from the real one)
   */
  public ResilientPersistenceBackend(String scheme, ResilientBackend<PersistenceBackend> rb, Set<PersistenceBackend> fallbacks) {
    this.scheme = scheme;
    this.rb = rb;
    this.fallbacks = fallbacks;
  }

  /**
   * The applier of journaled writes, for the {@link ResilientBackend} builder: {@link
   * PersistenceBackend#applyJournaled} with the record's idempotency key, so a connector that
   * records keys applies each write once however often it is replayed.
   */
  public static ResilientBackend.Applier<PersistenceBackend> applier() {
    return (backend, rec) -> {
      MemoryWrite w = WriteCodec.decode(rec.payload(), "journal record " + rec.seq());
      Object[] result = RESULT.get();
      if (result != null && w instanceof MemoryWrite.Delete d) {
        result[0] = backend.getAll(d.ids()).size();
      }
      backend.applyJournaled(rec.idempotencyKey(), w);
      if (result != null && w instanceof MemoryWrite.Store s) {
        result[0] = backend.getAll(s.records().stream().map(MemoryRecord::id).toList());
      }
    };
  }

  private Object write(String type, String key, MemoryWrite w) {
    Object[] result = new Object[1];
    RESULT.set(result);
    try {
      rb.write(type, key, WriteCodec.encode(w));
      return result[0];
    } finally {
      RESULT.remove();
    }
  }

  private boolean isFallback(PersistenceBackend b) {
    return fallbacks.contains(b);
  }

  /** Runs {@code op} on the real backend only; UNAVAILABLE while degraded. */
  private <T> T onReal(String what, ResilientBackend.Operation<PersistenceBackend, T> op) {
    return rb.read(b -> {
      if (isFallback(b)) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "memory backend " + rb.target() + " is " + rb.state().name().toLowerCase(java.util.Locale.ROOT)
            + "; " + what + " needs the real backend (the fallback holds only the " + rb.pendingRecords()
            + " writes made since the outage): retry when it recovers");
      }
      T r = op.apply(b);
      capabilities = b.capabilities();
      return r;
    });
  }

  @Override
  public String name() {
    return scheme;
  }

  @Override
  public Set<Capability> capabilities() {
    return capabilities;
  }

  /** The provider-pattern state. */
  public ResilientBackend.State state() {
    return rb.state();
  }

  @Override
  public MemoryRecord store(MemoryRecord record) {
    return storeAll(List.of(record)).get(0);
  }

  @Override
  public List<MemoryRecord> storeAll(List<MemoryRecord> records) {
    Stamps.requireDistinct(records);
    if (records.isEmpty()) {
      return List.of();
    }
    Object r = write("store", records.get(0).id() + (records.size() > 1 ? "+" + (records.size() - 1) : ""), new MemoryWrite.Store(records));
    if (r instanceof Map<?, ?> m) {
      return records.stream().map(x -> m.get(x.id()) instanceof MemoryRecord s ? s : x).toList();
    }
    return records;
  }

  @Override
  public MemoryRecord update(MemoryRecord record) {
    return onReal("an optimistic update", b -> b.update(record));
  }

  @Override
  public Optional<MemoryRecord> get(String id) {
    return rb.readOrUnavailable(b -> b.get(id));
  }

  @Override
  public boolean exists(String id) {
    return get(id).isPresent();
  }

  @Override
  public Map<String, MemoryRecord> getAll(Collection<String> ids) {
    return rb.read(b -> {
      Map<String, MemoryRecord> found = b.getAll(ids);
      if (isFallback(b) && found.size() < ids.size()) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "memory backend " + rb.target() + " is unreachable and its fallback holds only "
            + found.size() + " of the " + ids.size() + " records asked for: retry when it recovers");
      }
      return found;
    });
  }

  @Override
  public boolean delete(String id) {
    return deleteAll(List.of(id)) > 0;
  }

  @Override
  public int deleteAll(Collection<String> ids) {
    if (ids.isEmpty()) {
      return 0;
    }
    Object r = write("delete", ids.iterator().next(), new MemoryWrite.Delete(List.copyOf(ids)));
    return r instanceof Integer n ? n : 0;
  }

  @Override
  public int touch(Collection<String> ids, Instant at) {
    if (ids.isEmpty()) {
      return 0;
    }
    write("touch", ids.iterator().next(), new MemoryWrite.Touch(List.copyOf(ids), at));
    return ids.size();
  }

  @Override
  public Stream<MemoryRecord> query(MemoryQuery query) {
    return onReal("a query", b -> b.query(query));
  }

  @Override
  public long count(MemoryQuery query) {
    return onReal("a count", b -> b.count(query));
  }

  @Override
  public long purgeExpired() {
    return rb.state() == ResilientBackend.State.CONNECTED ? onReal("purging expired records", PersistenceBackend::purgeExpired) : 0;
  }

  @Override
  public void compact() {
    onReal("compaction", b -> {
      b.compact();
      return null;
    });
  }

  @Override
  public void flush() {
    if (rb.state() == ResilientBackend.State.CONNECTED) {
      onReal("flush", b -> {
        b.flush();
        return null;
      });
    }
  }

  @Override
  public void checkpoint(java.nio.file.Path target) {
    onReal("a checkpoint", b -> {
      b.checkpoint(target);
      return null;
    });
  }

  @Override
  public BackendStatistics statistics() {
    return rb.read(PersistenceBackend::statistics);
  }

  @Override
  public Health health() {
    return rb.health();
  }

  @Override
  public void close() {
    rb.close();
  }
}
