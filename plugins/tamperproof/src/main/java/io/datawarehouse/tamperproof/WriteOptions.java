package io.datawarehouse.tamperproof;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * How to write a record. Build with {@link #in(String)} and the {@code with*} methods.
 *
 * @param namespace the record's namespace (required): lower-case letters, digits, '.', '_', '-'
 * @param id the record's id, or null to have one generated; an id is never reused
 * @param mode COMPLIANCE or GOVERNANCE, or null for the namespace's default
 * @param retention how long to keep the record from now (by the store's trusted clock), or null
 * @param retainUntil an absolute retain-until date instead of {@code retention}, or null; when
 *     both are null the namespace's default retention applies
 * @param legalHold whether to place a legal hold at once
 * @param contentType the media type to keep with the record, or null
 * @param metadata free-form string pairs kept with the record (at most 64, each at most 1 KiB)
 */
public record WriteOptions(
    String namespace,
    String id,
    RetentionMode mode,
    Duration retention,
    Instant retainUntil,
    boolean legalHold,
    String contentType,
    Map<String, String> metadata) {

  public WriteOptions {
    Objects.requireNonNull(namespace, "namespace");
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** Options for a record in {@code namespace} with the namespace's defaults. */
  public static WriteOptions in(String namespace) {
    return new WriteOptions(namespace, null, null, null, null, false, null, Map.of());
  }

  public WriteOptions withId(String newId) {
    return new WriteOptions(namespace, newId, mode, retention, retainUntil, legalHold, contentType, metadata);
  }

  public WriteOptions withMode(RetentionMode newMode) {
    return new WriteOptions(namespace, id, newMode, retention, retainUntil, legalHold, contentType, metadata);
  }

  public WriteOptions withRetention(Duration newRetention) {
    return new WriteOptions(namespace, id, mode, newRetention, null, legalHold, contentType, metadata);
  }

  public WriteOptions withRetainUntil(Instant until) {
    return new WriteOptions(namespace, id, mode, null, until, legalHold, contentType, metadata);
  }

  public WriteOptions withLegalHold(boolean hold) {
    return new WriteOptions(namespace, id, mode, retention, retainUntil, hold, contentType, metadata);
  }

  public WriteOptions withContentType(String type) {
    return new WriteOptions(namespace, id, mode, retention, retainUntil, legalHold, type, metadata);
  }

  public WriteOptions withMetadata(Map<String, String> newMetadata) {
    return new WriteOptions(namespace, id, mode, retention, retainUntil, legalHold, contentType, newMetadata);
  }
}
