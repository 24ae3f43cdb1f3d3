package io.datawarehouse.intelligence.memory;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Health;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where memory records live: the SPI every persistence backend implements. The embedded ones are
 * {@code rocksdb} (the default) and {@code memory}; external ones (Redis, PostgreSQL, MongoDB...)
 * live in connector modules, are found by connection-string scheme ({@link
 * io.datawarehouse.sdk.provider.BackendFactory} of this type) and run behind the SDK's provider
 * pattern. Every implementation passes the contract test suite {@code
 * PersistenceBackendContractTest} (in this module's test jar).
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>Versions: {@link #store} creates or replaces and sets the version to the previous one plus
 *       one (1 for a new record); {@link #update} does the same only when the record's version is
 *       the stored one, else CONFLICT. {@link #touch} does not change the version.
 *   <li>Times come from the backend's clock: a record stored without {@code createdAt} gets the
 *       existing record's, or now; {@code lastAccessedAt} defaults to {@code createdAt}.
 *   <li>Expiry: a record whose {@code expiresAt} is at or before now is invisible to {@link #get},
 *       {@link #exists}, {@link #update} and {@link #touch}, and to queries unless they include
 *       expired records; {@link #purgeExpired} deletes such records.
 *   <li>Batches ({@code storeAll}, {@code deleteAll}) are all-or-nothing when the backend has
 *       {@link Capability#ATOMIC_BATCHES}.
 *   <li>Queries stream: close the stream (try-with-resources) to release what it holds.
 * </ul>
 *
 * <p>Errors are {@link DwException}s: INVALID_ARGUMENT, NOT_FOUND, CONFLICT, UNAVAILABLE (an
 * external service or a full bounded store), INTEGRITY (stored data failed verification).
 *
 * <p>Implementations are thread-safe.
 */
public interface PersistenceBackend extends AutoCloseable {

  /** The backend's name ("rocksdb", "memory", "redis"). */
  String name();

  /** What it does natively. */
  Set<Capability> capabilities();

  /**
   * Creates or replaces {@code record} (its version is ignored).
   *
   * @return the record as stored: version, times filled in
   */
  MemoryRecord store(MemoryRecord record);

  /**
   * Replaces the stored record with {@code record} if its version is the stored one. Creation time,
   * last access and access count are kept from the stored record.
   *
   * @return the record as stored, version advanced by one
   * @throws DwException NOT_FOUND when there is no live record with that id; CONFLICT when the
   *     stored version differs (someone else changed it: read again and retry)
   */
  MemoryRecord update(MemoryRecord record);

  /** The live record with this id. */
  Optional<MemoryRecord> get(String id);

  /** Whether a live record with this id exists. */
  default boolean exists(String id) {
    return get(id).isPresent();
  }

  /** Deletes the record; true when it existed (expired or not). */
  boolean delete(String id);

  /**
   * Stores all of {@code records} (ids must be distinct): all-or-nothing with {@link
   * Capability#ATOMIC_BATCHES}.
   *
   * @return the stored records, in order
   */
  default List<MemoryRecord> storeAll(List<MemoryRecord> records) {
    List<MemoryRecord> out = new ArrayList<>(records.size());
    for (MemoryRecord r : records) {
      out.add(store(r));
    }
    return out;
  }

  /** The live records among {@code ids}, in the order asked; missing ids are absent from the map. */
  default Map<String, MemoryRecord> getAll(Collection<String> ids) {
    Map<String, MemoryRecord> out = new LinkedHashMap<>();
    for (String id : ids) {
      get(id).ifPresent(r -> out.put(id, r));
    }
    return out;
  }

  /** Deletes {@code ids}: all-or-nothing with {@link Capability#ATOMIC_BATCHES}; returns how many existed. */
  default int deleteAll(Collection<String> ids) {
    int n = 0;
    for (String id : ids) {
      n += delete(id) ? 1 : 0;
    }
    return n;
  }

  /**
   * Records a read of each live record among {@code ids} at {@code at}: the access count goes up by
   * one and the last access becomes {@code at} (if later). The version does not change.
   *
   * @return how many records were touched
   */
  int touch(Collection<String> ids, Instant at);

  /**
   * The records matching {@code query}, in its order, paged. The stream holds resources (an
   * iterator, a snapshot): close it.
   */
  Stream<MemoryRecord> query(MemoryQuery query);

  /** How many records match {@code query}, ignoring its skip and limit. */
  default long count(MemoryQuery query) {
    try (Stream<MemoryRecord> s = query(query.unpaged())) {
      return s.count();
    }
  }

  /** The live records of one tier, by id. */
  default Stream<MemoryRecord> getByTier(MemoryTier tier) {
    return query(MemoryQuery.builder().tier(tier).build());
  }

  /** The live records of one scope, by id. */
  default Stream<MemoryRecord> getByScope(String scope) {
    return query(MemoryQuery.builder().scope(scope).build());
  }

  /** Deletes every record expired at the backend's now; returns how many. */
  long purgeExpired();

  /**
   * Applies a write that the provider pattern journaled while this backend was unreachable, or
   * replays after a crash. Calling it again with the same {@code idempotencyKey} must have no
   * further effect that matters: the default applies the write directly, which is idempotent in
   * content (store replaces the whole record, delete and touch skip missing ids) though a repeated
   * store advances the version once more. A backend with transactions should record the key in
   * the same transaction and skip keys it has applied.
   */
  default void applyJournaled(String idempotencyKey, MemoryWrite write) {
    switch (write) {
      case MemoryWrite.Store s -> storeAll(s.records());
      case MemoryWrite.Delete d -> deleteAll(d.ids());
      case MemoryWrite.Touch t -> touch(t.ids(), t.at());
    }
  }

  /** Purges expired records and reclaims space (RocksDB: a full compaction). May take long. */
  void compact();

  /** Makes every acknowledged write durable (flushes buffers and logs). */
  void flush();

  /**
   * Writes a consistent copy of the store to {@code target} (a directory that must not exist), for
   * backup; opening it with the same backend gives the store as of the call.
   *
   * @throws DwException UNSUPPORTED without {@link Capability#CHECKPOINTS}
   */
  default void checkpoint(Path target) {
    throw DwException.unsupported("the " + name() + " persistence backend cannot write checkpoints because it keeps no files of its own");
  }

  /** Counts, sizes and latencies. */
  BackendStatistics statistics();

  /** Cheap, cached health. */
  Health health();

  /** Flushes and releases everything; further calls fail with UNAVAILABLE. */
  @Override
  void close();
}
