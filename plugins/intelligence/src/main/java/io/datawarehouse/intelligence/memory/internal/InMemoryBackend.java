package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.BackendStatistics;
import io.datawarehouse.intelligence.memory.Capability;
import io.datawarehouse.intelligence.memory.MemoryQuery;
import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.intelligence.memory.PersistenceBackend;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Sizes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * The {@code memory} backend: records in a sorted map, bounded by a record count and a byte size.
 * Used for tests, for small embedded setups, and as the provider pattern's fallback.
 *
 * <p>Writers take one write lock, so batches are atomic; single-record reads are lock-free;
 * queries copy their matches under the read lock (the store is bounded, and so is the copy) and
 * then sort and page them. Nothing survives a restart.
 *
 * <p>A write that would exceed a bound fails with RESOURCE_EXHAUSTED and changes nothing.
 */
public final class InMemoryBackend implements PersistenceBackend {
  private final ConcurrentSkipListMap<String, MemoryRecord> records = new ConcurrentSkipListMap<>(MemoryQuery.ID_ORDER);
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Time time;
  private final long maxRecords;
  private final long maxBytes;
  private final OpStats stats;
  private final long[] tierRecords = new long[MemoryTier.values().length];
  private final long[] tierBytes = new long[MemoryTier.values().length];
  private long bytes;
  private volatile boolean closed;

  /**
   * @param maxRecords the most records it holds
   * @param maxBytes the most bytes ({@link MemoryRecord#sizeBytes()}) it holds
   */
  public InMemoryBackend(Time time, long maxRecords, long maxBytes) {
    if (maxRecords < 1 || maxBytes < 1) {
      throw DwException.invalidArgument("memory backend limits must be positive, were " + maxRecords + " records and " + maxBytes + " bytes");
    }
    this.time = time;
    this.maxRecords = maxRecords;
    this.maxBytes = maxBytes;
    this.stats = new OpStats(time);
  }

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.ATOMIC_BATCHES, Capability.TTL);
  }

  private void open() {
    if (closed) {
      throw DwException.unavailable("the memory persistence backend is closed", null);
    }
  }

  @Override
  public MemoryRecord store(MemoryRecord record) {
    return storeAll(List.of(record)).get(0);
  }

  @Override
  public List<MemoryRecord> storeAll(List<MemoryRecord> batch) {
    Stamps.requireDistinct(batch);
    long t0 = stats.start();
    lock.writeLock().lock();
    try {
      open();
      Instant now = time.now();
      List<MemoryRecord> out = new ArrayList<>(batch.size());
      long addRecords = 0;
      long addBytes = 0;
      for (MemoryRecord r : batch) {
        MemoryRecord old = records.get(r.id());
        MemoryRecord s = Stamps.forStore(r, old, now);
        out.add(s);
        addRecords += old == null ? 1 : 0;
        addBytes += s.sizeBytes() - (old == null ? 0 : old.sizeBytes());
      }
      checkBounds(addRecords, addBytes);
      for (MemoryRecord s : out) {
        put(s);
      }
      stats.writes.add(out.size());
      return out;
    } finally {
      lock.writeLock().unlock();
      stats.record(batch.size() == 1 ? "store" : "batch", t0);
    }
  }

  private void checkBounds(long addRecords, long addBytes) {
    if (records.size() + addRecords > maxRecords || bytes + addBytes > maxBytes) {
      throw DwException.of(ErrorCode.RESOURCE_EXHAUSTED, "the memory persistence backend is full: it holds " + records.size()
          + " records, " + Sizes.format(bytes) + " (limits " + maxRecords + " records, " + Sizes.format(maxBytes)
          + "); this write needs " + addRecords + " more records and " + Sizes.format(Math.max(0, addBytes))
          + " more; nothing was written. Delete or expire records, or raise the limits");
    }
  }

  /** Replaces under the write lock, keeping the counters. */
  private void put(MemoryRecord s) {
    MemoryRecord old = records.put(s.id(), s);
    if (old != null) {
      account(old, -1);
    }
    account(s, 1);
  }

  private void account(MemoryRecord r, int sign) {
    int t = r.tier().ordinal();
    tierRecords[t] += sign;
    tierBytes[t] += sign * r.sizeBytes();
    bytes += sign * r.sizeBytes();
  }

  @Override
  public MemoryRecord update(MemoryRecord record) {
    long t0 = stats.start();
    lock.writeLock().lock();
    try {
      open();
      Instant now = time.now();
      MemoryRecord old = records.get(record.id());
      MemoryRecord s = Stamps.forUpdate(record, old, now, name());
      checkBounds(0, s.sizeBytes() - old.sizeBytes());
      put(s);
      stats.writes.increment();
      return s;
    } finally {
      lock.writeLock().unlock();
      stats.record("update", t0);
    }
  }

  @Override
  public Optional<MemoryRecord> get(String id) {
    open();
    long t0 = stats.start();
    MemoryRecord r = records.get(id);
    stats.reads.increment();
    stats.record("get", t0);
    return r == null || r.isExpired(time.now()) ? Optional.empty() : Optional.of(r);
  }

  @Override
  public Map<String, MemoryRecord> getAll(Collection<String> ids) {
    open();
    Instant now = time.now();
    Map<String, MemoryRecord> out = new LinkedHashMap<>();
    for (String id : ids) {
      MemoryRecord r = records.get(id);
      if (r != null && !r.isExpired(now)) {
        out.put(id, r);
      }
    }
    stats.reads.add(ids.size());
    return out;
  }

  @Override
  public boolean delete(String id) {
    return deleteAll(List.of(id)) == 1;
  }

  @Override
  public int deleteAll(Collection<String> ids) {
    long t0 = stats.start();
    lock.writeLock().lock();
    try {
      open();
      int n = 0;
      for (String id : ids) {
        MemoryRecord old = records.remove(id);
        if (old != null) {
          account(old, -1);
          n++;
        }
      }
      stats.deletes.add(n);
      return n;
    } finally {
      lock.writeLock().unlock();
      stats.record("delete", t0);
    }
  }

  @Override
  public int touch(Collection<String> ids, Instant at) {
    lock.writeLock().lock();
    try {
      open();
      Instant now = time.now();
      int n = 0;
      for (String id : ids) {
        MemoryRecord old = records.get(id);
        if (old != null && !old.isExpired(now)) {
          put(Stamps.touched(old, at));
          n++;
        }
      }
      stats.writes.add(n);
      return n;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Stream<MemoryRecord> query(MemoryQuery q) {
    long t0 = stats.start();
    List<MemoryRecord> matches = new ArrayList<>();
    lock.readLock().lock();
    try {
      open();
      Instant now = time.now();
      for (MemoryRecord r : records.values()) {
        if (q.matches(r, now)) {
          matches.add(r);
        }
      }
      stats.reads.add(records.size());
    } finally {
      lock.readLock().unlock();
    }
    if (q.sort() != MemoryQuery.SortField.ID || q.direction() != MemoryQuery.Direction.ASC) {
      matches.sort(q.comparator());
    }
    stats.queries.increment();
    stats.record("query", t0);
    return matches.stream().skip(q.skip()).limit(q.limit());
  }

  @Override
  public long count(MemoryQuery q) {
    lock.readLock().lock();
    try {
      open();
      Instant now = time.now();
      return records.values().stream().filter(r -> q.matches(r, now)).count();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long purgeExpired() {
    lock.writeLock().lock();
    try {
      open();
      Instant now = time.now();
      List<String> expired = new ArrayList<>();
      for (MemoryRecord r : records.values()) {
        if (r.isExpired(now)) {
          expired.add(r.id());
        }
      }
      return deleteAll(expired);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void compact() {
    purgeExpired();
  }

  @Override
  public void flush() {
    open();
  }

  @Override
  public BackendStatistics statistics() {
    lock.readLock().lock();
    try {
      Map<MemoryTier, BackendStatistics.TierStatistics> tiers = new EnumMap<>(MemoryTier.class);
      for (MemoryTier t : MemoryTier.values()) {
        tiers.put(t, new BackendStatistics.TierStatistics(tierRecords[t.ordinal()], tierBytes[t.ordinal()]));
      }
      return new BackendStatistics(name(), records.size(), bytes, tiers, stats.reads.sum(), stats.writes.sum(),
          stats.deletes.sum(), stats.queries.sum(), stats.latencies(), -1);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Health health() {
    if (closed) {
      return Health.down("closed");
    }
    return Health.up(records.size() + " records in memory (limit " + maxRecords + ")")
        .withDetail("records", (long) records.size())
        .withDetail("maxRecords", maxRecords)
        .withDetail("maxBytes", maxBytes);
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
      records.clear();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
