package io.datawarehouse.tamperproof.internal;

import java.util.Map;

/**
 * What a REMOTE_COPY ledger entry says the remote WORM copy of a record received, from the entry's
 * {@code detail}: {@code action} {@value #PUT} (the copy itself, written with the record's legal hold
 * and retention), {@value #LEGAL_HOLD} (its legal hold set or cleared), {@value #EXTEND} (its
 * retention extended) or {@value #SHORTEN} (its GOVERNANCE retention shortened with the governance
 * bypass, after a SHORTEN entry), and {@code state}, the index of the latest ledger entry whose legal hold or
 * retention (as the action says) the remote copy now has. Entries written before these fields
 * existed are copies that reflect at least the record's WRITE entry.
 *
 * @param action what reached the remote
 * @param state the ledger index the remote's hold or retention is current with
 */
public record RemoteChange(String action, long state) {
  public static final String PUT = "put";
  public static final String LEGAL_HOLD = "legalHold";
  public static final String EXTEND = "extend";
  public static final String SHORTEN = "shorten";

  /** Reads a REMOTE_COPY entry's detail; {@code writeIndex} is its record's WRITE entry. */
  static RemoteChange of(Map<String, Object> detail, long writeIndex) {
    Object a = detail == null ? null : detail.get("action");
    Object s = detail == null ? null : detail.get("state");
    return new RemoteChange(a == null ? PUT : a.toString(), s instanceof Number n ? n.longValue() : writeIndex);
  }

  /** Whether the remote's legal hold is current with {@link #state}. */
  boolean coversHold() {
    return PUT.equals(action) || LEGAL_HOLD.equals(action);
  }

  /** Whether the remote's retention is current with {@link #state}. */
  boolean coversRetention() {
    return PUT.equals(action) || EXTEND.equals(action) || SHORTEN.equals(action);
  }
}
