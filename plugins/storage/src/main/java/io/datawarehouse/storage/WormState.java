package io.datawarehouse.storage;

import java.time.Instant;

/**
 * The WORM state of one object as the store reports it.
 *
 * @param retention the retention, or null when none was ever set
 * @param legalHold whether a legal hold is on (it forbids overwrite and delete, with no date)
 */
public record WormState(Retention retention, boolean legalHold) {
  /** No retention, no hold. */
  public static final WormState NONE = new WormState(null, false);

  /** Whether the object may not be overwritten or deleted at {@code now}. */
  public boolean locked(Instant now) {
    return legalHold || (retention != null && retention.activeAt(now));
  }

  /**
   * Refuses {@code operation} ("overwrite", "delete") while the object is locked.
   *
   * @throws io.datawarehouse.sdk.DwException RETENTION_LOCKED saying what holds it
   */
  public void refuseIfLocked(String operation, String key, String store, Instant now) {
    if (locked(now)) {
      throw io.datawarehouse.sdk.DwException.of(io.datawarehouse.sdk.ErrorCode.RETENTION_LOCKED, "cannot " + operation
          + " object '" + key + "' in store '" + store + "': it is under " + describe(now));
    }
  }

  /** A person-readable reason the object is locked at {@code now}. */
  public String describe(Instant now) {
    StringBuilder sb = new StringBuilder();
    if (retention != null && retention.activeAt(now)) {
      sb.append(retention.mode()).append(" retention until ").append(retention.retainUntil());
    }
    if (legalHold) {
      sb.append(sb.length() > 0 ? " and " : "").append("a legal hold");
    }
    return sb.length() == 0 ? "no lock" : sb.toString();
  }
}
