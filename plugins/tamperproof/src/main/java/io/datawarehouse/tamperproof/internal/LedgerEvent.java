package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.tamperproof.RetentionMode;
import java.time.Instant;
import java.util.Map;

/**
 * One ledger entry, stored as compact JSON (the exact bytes are what the Merkle leaf hashes; they
 * are never re-serialised for hashing). Fields that do not apply to a type are absent.
 *
 * @param seq the entry's own index in the ledger: a moved entry contradicts its position
 * @param type what happened
 * @param at when (trusted clock)
 * @param actor who asked, or "system" for the store's own work
 * @param reason the caller's reason, or a description of the store's work
 * @param id the record concerned
 * @param namespace the record's or the policy's namespace
 * @param sha256 the record's SHA-256 (WRITE, READ_AUDIT, REPAIR)
 * @param size the record's length (WRITE)
 * @param contentType (WRITE)
 * @param metadata (WRITE)
 * @param mode the retention mode after the event (WRITE, EXTEND, SHORTEN, POLICY)
 * @param retainUntil the retain-until date after the event (WRITE, EXTEND, SHORTEN)
 * @param retention a namespace's default retention, ISO-8601 (POLICY)
 * @param hold the legal hold after the event (WRITE, HOLD)
 * @param detail structured detail of SCAN, RECOVERY, REPAIR and REMOTE_COPY entries
 */
public record LedgerEvent(
    long seq,
    Type type,
    Instant at,
    String actor,
    String reason,
    String id,
    String namespace,
    String sha256,
    Long size,
    String contentType,
    Map<String, String> metadata,
    RetentionMode mode,
    Instant retainUntil,
    String retention,
    Boolean hold,
    Map<String, Object> detail) {

  /** The kinds of entries. */
  public enum Type {
    /** A record was written. */
    WRITE,
    /** A record was read for an audit (verified, and the read recorded). */
    READ_AUDIT,
    /** A legal hold was placed or removed. */
    HOLD,
    /** Retention was extended, or a governance record was made compliance. */
    EXTEND,
    /** A governance record's retention was shortened with the bypass permission. */
    SHORTEN,
    /** A record was deleted after its retention. */
    DELETE,
    /** A namespace's default retention changed. */
    POLICY,
    /** An integrity scan finished; {@code detail} has its counts and findings. */
    SCAN,
    /** A tampered local copy was restored from the remote copy. */
    REPAIR,
    /** Crash recovery cut a torn tail or set aside an unfinished write. */
    RECOVERY,
    /** A record's remote WORM copy was written. */
    REMOTE_COPY
  }

  /** The entry's bytes. */
  public byte[] toBytes() {
    return Json.toBytes(this);
  }

  /**
   * Reads an entry.
   *
   * @throws DwException INTEGRITY when the bytes are not an entry (a ledger entry is hashed and
   *     checksummed, so unreadable JSON means it was altered)
   */
  public static LedgerEvent parse(long index, byte[] bytes) {
    LedgerEvent e;
    try {
      e = Json.fromBytes(bytes, LedgerEvent.class, "ledger entry " + index);
    } catch (DwException ex) {
      throw DwException.integrity("ledger entry " + index + " is not a valid entry: " + ex.getMessage(), ex);
    }
    if (e.type() == null || e.at() == null) {
      throw DwException.integrity("ledger entry " + index + " has no type or time");
    }
    if (e.seq() != index) {
      throw DwException.integrity("ledger entry " + index + " says it is entry " + e.seq()
          + ": entries were moved or reordered");
    }
    return e;
  }

  /** A new entry of {@code type} with only the common fields set; use the {@code with*} methods. */
  public static LedgerEvent of(Type type, Instant at, String actor, String reason) {
    return new LedgerEvent(-1, type, at, actor, reason, null, null, null, null, null, null, null, null, null, null, null);
  }

  public LedgerEvent withSeq(long s) {
    return new LedgerEvent(s, type, at, actor, reason, id, namespace, sha256, size, contentType, metadata, mode,
        retainUntil, retention, hold, detail);
  }

  public LedgerEvent withRecord(String recordId, String ns) {
    return new LedgerEvent(seq, type, at, actor, reason, recordId, ns, sha256, size, contentType, metadata, mode,
        retainUntil, retention, hold, detail);
  }

  public LedgerEvent withContent(String sha, Long length, String type2, Map<String, String> meta) {
    return new LedgerEvent(seq, type, at, actor, reason, id, namespace, sha, length, type2,
        meta == null || meta.isEmpty() ? null : meta, mode, retainUntil, retention, hold, detail);
  }

  public LedgerEvent withRetention(RetentionMode m, Instant until) {
    return new LedgerEvent(seq, type, at, actor, reason, id, namespace, sha256, size, contentType, metadata, m,
        until, retention, hold, detail);
  }

  public LedgerEvent withPolicy(RetentionMode m, String iso) {
    return new LedgerEvent(seq, type, at, actor, reason, id, namespace, sha256, size, contentType, metadata, m,
        retainUntil, iso, hold, detail);
  }

  public LedgerEvent withHold(Boolean h) {
    return new LedgerEvent(seq, type, at, actor, reason, id, namespace, sha256, size, contentType, metadata, mode,
        retainUntil, retention, h, detail);
  }

  public LedgerEvent withDetail(Map<String, Object> d) {
    return new LedgerEvent(seq, type, at, actor, reason, id, namespace, sha256, size, contentType, metadata, mode,
        retainUntil, retention, hold, d);
  }
}
