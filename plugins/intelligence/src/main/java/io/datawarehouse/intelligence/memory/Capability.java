package io.datawarehouse.intelligence.memory;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a {@link PersistenceBackend} does natively. Callers may rely on a capability only when the
 * backend lists it; without it the SPI still works, by the documented fallback (a scan, a loop).
 */
public enum Capability {
  /** Batch writes are all-or-nothing, also across a crash. Without it a batch may apply partly. */
  ATOMIC_BATCHES,
  /** Records expire at {@code expiresAt} and are purged by the backend. */
  TTL,
  /** Tier, scope, tag and expiry queries use indexes instead of scanning every record. */
  SECONDARY_INDEXES,
  /** Queries stream from storage; memory use does not grow with the result size. */
  STREAMING_QUERY,
  /** Acknowledged writes survive a process crash. */
  DURABLE,
  /** Consistent on-disk snapshots for backup ({@link PersistenceBackend#checkpoint}). */
  CHECKPOINTS,
  /** Nearest-neighbour search over embeddings inside the backend. */
  VECTOR_SEARCH;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
