package io.datawarehouse.intelligence.memory;

import java.time.Instant;
import java.util.List;

/**
 * A write that can be journaled and applied later ({@link PersistenceBackend#applyJournaled}):
 * only writes whose effect does not depend on what the backend held before, so that a replay after
 * an outage can never fail on a conflict. Optimistic updates are not among them: they need the
 * real backend and are refused while it is unreachable.
 */
public sealed interface MemoryWrite {

  /** Store (create or replace) these records. */
  record Store(List<MemoryRecord> records) implements MemoryWrite {
    public Store {
      records = List.copyOf(records);
    }
  }

  /** Delete these ids (missing ones are ignored). */
  record Delete(List<String> ids) implements MemoryWrite {
    public Delete {
      ids = List.copyOf(ids);
    }
  }

  /** Record an access to these ids at {@code at} (missing ones are ignored). */
  record Touch(List<String> ids, Instant at) implements MemoryWrite {
    public Touch {
      ids = List.copyOf(ids);
    }
  }
}
