package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/** The store/update/touch rules of the SPI, shared by the embedded backends so they cannot drift. */
public final class Stamps {
  private Stamps() {}

  /** {@code r} as {@code store} keeps it over {@code old} (live or expired, or null) at {@code now}. */
  public static MemoryRecord forStore(MemoryRecord r, MemoryRecord old, Instant now) {
    boolean live = old != null && !old.isExpired(now);
    Instant created = r.createdAt() != null ? r.createdAt() : live ? old.createdAt() : now;
    return r.withBookkeeping(created, r.lastAccessedAt() != null ? r.lastAccessedAt() : created, r.accessCount(),
        old == null ? 1 : old.version() + 1);
  }

  /**
   * {@code r} as {@code update} keeps it over the stored {@code old} at {@code now}.
   *
   * @throws DwException NOT_FOUND when {@code old} is null or expired; CONFLICT on a version mismatch
   */
  public static MemoryRecord forUpdate(MemoryRecord r, MemoryRecord old, Instant now, String backend) {
    if (old == null || old.isExpired(now)) {
      throw DwException.notFound("no memory record '" + r.id() + "' in the " + backend + " backend"
          + (old == null ? "" : " (it expired at " + old.expiresAt() + ")") + "; store it instead of updating it");
    }
    if (old.version() != r.version()) {
      throw DwException.of(ErrorCode.CONFLICT, "memory record '" + r.id() + "' is at version " + old.version()
          + ", the update was made from version " + r.version() + ": read it again and reapply the change");
    }
    return r.withBookkeeping(old.createdAt(), old.lastAccessedAt(), old.accessCount(), old.version() + 1);
  }

  /** {@code old} after one more access at {@code at}. */
  public static MemoryRecord touched(MemoryRecord old, Instant at) {
    Instant last = old.lastAccessedAt() == null || at.isAfter(old.lastAccessedAt()) ? at : old.lastAccessedAt();
    return old.withBookkeeping(old.createdAt(), last, old.accessCount() + 1, old.version());
  }

  /** INVALID_ARGUMENT when a batch names an id twice. */
  public static void requireDistinct(Collection<MemoryRecord> records) {
    Set<String> seen = new HashSet<>();
    for (MemoryRecord r : records) {
      if (!seen.add(r.id())) {
        throw DwException.invalidArgument("a batch names memory record '" + r.id() + "' twice; ids in a batch must be distinct");
      }
    }
  }
}
