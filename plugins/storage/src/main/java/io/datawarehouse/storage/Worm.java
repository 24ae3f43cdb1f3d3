package io.datawarehouse.storage;

import java.time.Instant;

/**
 * The WORM operations of a store that has them ({@link ObjectStore#worm()}). Retention is applied
 * at write time with {@link PutOptions#retention()} and {@link PutOptions#legalHold()}; these
 * operations read and change it afterwards. A store enforces what it reports: a locked object's
 * overwrite or delete is RETENTION_LOCKED.
 *
 * <p>Thread-safe.
 */
public interface Worm {

  /**
   * The WORM state of {@code key}.
   *
   * @throws io.datawarehouse.sdk.DwException NOT_FOUND, INVALID_ARGUMENT, UNAVAILABLE
   */
  WormState state(String key);

  /**
   * Sets or extends the retention of {@code key}. A retention can be extended, never shortened or
   * weakened while it binds.
   *
   * @throws io.datawarehouse.sdk.DwException RETENTION_LOCKED when it would shorten or weaken it;
   *     NOT_FOUND; UNSUPPORTED with the service's words where the backend cannot
   */
  WormState extendRetention(String key, Retention retention);

  /**
   * Replaces the GOVERNANCE retention of {@code key} with {@code retention} (GOVERNANCE too), which
   * may be shorter: the governance bypass of S3 Object Lock ({@code x-amz-bypass-governance-retention})
   * and of Azure's unlocked immutability policies. The caller decides who may bypass (the storage
   * plugin allows it per store, {@code governanceBypass}).
   *
   * @throws io.datawarehouse.sdk.DwException RETENTION_LOCKED when the object has a binding
   *     COMPLIANCE retention; INVALID_ARGUMENT when {@code retention} is COMPLIANCE or not in the
   *     future; NOT_FOUND; UNSUPPORTED where the backend cannot
   */
  default WormState shortenGovernanceRetention(String key, Retention retention) {
    throw io.datawarehouse.sdk.DwException.of(io.datawarehouse.sdk.ErrorCode.UNSUPPORTED,
        "this store cannot bypass a governance retention (object '" + key + "')");
  }

  /**
   * Places or clears a legal hold on {@code key}.
   *
   * @throws io.datawarehouse.sdk.DwException NOT_FOUND; UNSUPPORTED where the backend cannot
   */
  WormState setLegalHold(String key, boolean hold);

  /** Convenience: extend with the same mode to {@code until}. */
  default WormState extendRetention(String key, RetentionMode mode, Instant until) {
    return extendRetention(key, new Retention(mode, until));
  }
}
