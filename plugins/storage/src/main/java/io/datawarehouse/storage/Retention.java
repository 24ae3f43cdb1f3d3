package io.datawarehouse.storage;

import io.datawarehouse.sdk.DwException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A WORM retention: the object may not be overwritten or deleted before {@code retainUntil}.
 * Instants are kept to the millisecond (S3 and Azure keep no more).
 *
 * @param mode how strictly it binds
 * @param retainUntil the end of the retention period
 */
public record Retention(RetentionMode mode, Instant retainUntil) {
  public Retention {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(retainUntil, "retainUntil");
    retainUntil = retainUntil.truncatedTo(ChronoUnit.MILLIS);
  }

  /** Whether the retention still binds at {@code now}. */
  public boolean activeAt(Instant now) {
    return retainUntil.isAfter(now);
  }

  /**
   * {@code this} when it binds at {@code now}.
   *
   * @throws DwException INVALID_ARGUMENT when retain-until is not in the future
   */
  public Retention requireFuture(String key, Instant now) {
    if (!activeAt(now)) {
      throw DwException.invalidArgument("retain-until " + retainUntil + " of '" + key + "' is not in the future (now " + now + ")");
    }
    return this;
  }

  /**
   * Checks that a new retention may replace this one: same or stricter mode, same or later date.
   *
   * @throws DwException RETENTION_LOCKED when {@code next} would shorten or weaken this one
   */
  public void checkExtension(String key, Retention next, Instant now) {
    if (!activeAt(now)) {
      return;
    }
    if (next.retainUntil.isBefore(retainUntil)) {
      throw DwException.of(io.datawarehouse.sdk.ErrorCode.RETENTION_LOCKED, "object '" + key
          + "' is retained until " + retainUntil + "; retention can only be extended, not shortened to "
          + next.retainUntil);
    }
    if (mode == RetentionMode.COMPLIANCE && next.mode == RetentionMode.GOVERNANCE) {
      throw DwException.of(io.datawarehouse.sdk.ErrorCode.RETENTION_LOCKED, "object '" + key
          + "' has a COMPLIANCE retention until " + retainUntil + "; it cannot be weakened to GOVERNANCE");
    }
  }

  /**
   * Checks that {@code next} may replace {@code current} (null: none) by a governance bypass (S3's
   * {@code x-amz-bypass-governance-retention}): {@code next} must be GOVERNANCE and in the future,
   * and {@code current}, while it binds, GOVERNANCE too (a bypass may shorten a governance
   * retention, never set or shorten a compliance one).
   *
   * @throws DwException RETENTION_LOCKED when {@code current} is a binding COMPLIANCE retention;
   *     INVALID_ARGUMENT when {@code next} is COMPLIANCE or not in the future
   */
  public static void checkGovernanceBypass(String key, Retention current, Retention next, Instant now) {
    next.requireFuture(key, now);
    if (next.mode != RetentionMode.GOVERNANCE) {
      throw DwException.invalidArgument("a governance bypass sets a GOVERNANCE retention, not " + next.mode
          + " (object '" + key + "'); extend to make it COMPLIANCE");
    }
    if (current != null && current.activeAt(now) && current.mode == RetentionMode.COMPLIANCE) {
      throw DwException.of(io.datawarehouse.sdk.ErrorCode.RETENTION_LOCKED, "object '" + key
          + "' has a COMPLIANCE retention until " + current.retainUntil + ", which nobody can shorten or weaken");
    }
  }
}
