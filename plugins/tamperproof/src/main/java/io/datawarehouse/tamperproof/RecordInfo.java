package io.datawarehouse.tamperproof;

import java.time.Instant;
import java.util.Map;

/**
 * A record's identity and current state, as the ledger says. Also the JSON body of bus replies.
 *
 * @param id the record's id
 * @param namespace its namespace
 * @param sha256 SHA-256 of its bytes, lower-case hex
 * @param size its length in bytes
 * @param createdAt when it was written (trusted clock)
 * @param contentType its media type, or null
 * @param metadata free-form string pairs given at write time
 * @param mode its retention mode
 * @param retainUntil the date before which it can be neither changed nor deleted
 * @param legalHold whether a legal hold is on
 * @param ledgerIndex the index of its WRITE entry in the ledger (its leaf in the Merkle tree)
 * @param lastChange the index of the latest ledger entry that changed it
 * @param deletedAt when it was deleted, or null while it exists
 */
public record RecordInfo(
    String id,
    String namespace,
    String sha256,
    long size,
    Instant createdAt,
    String contentType,
    Map<String, String> metadata,
    RetentionMode mode,
    Instant retainUntil,
    boolean legalHold,
    long ledgerIndex,
    long lastChange,
    Instant deletedAt) {

  public RecordInfo {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** Whether it still exists. */
  public boolean exists() {
    return deletedAt == null;
  }

  /** Whether retention or a hold forbids deleting it at {@code now}. */
  public boolean lockedAt(Instant now) {
    return legalHold || now.isBefore(retainUntil);
  }
}
