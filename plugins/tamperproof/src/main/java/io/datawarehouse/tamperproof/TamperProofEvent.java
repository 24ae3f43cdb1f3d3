package io.datawarehouse.tamperproof;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened in the store, as published on {@code tamperproof.events}.
 *
 * @param type what: {@code written}, {@code hold}, {@code extended}, {@code shortened}, {@code
 *     deleted}, {@code read-audit}, {@code checkpoint}, {@code incident}, {@code scan}, {@code
 *     repaired}, {@code recovered}, {@code remote-copied}
 * @param at when (trusted clock)
 * @param recordId the record concerned, or null for store-wide events
 * @param ledgerIndex the ledger entry that recorded it, or -1 when none did
 * @param detail JSON-friendly details (an incident's expected and actual hashes, a checkpoint...)
 */
public record TamperProofEvent(String type, Instant at, String recordId, long ledgerIndex, Map<String, Object> detail) {
  public TamperProofEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(at, "at");
    detail = detail == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(detail));
  }
}
