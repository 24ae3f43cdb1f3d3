package io.datawarehouse.sdk;

import java.util.Locale;

/**
 * The stable error vocabulary of DataWarehouse.
 *
 * <p>The {@linkplain #wire() wire name} of a code never changes once released: it travels in bus
 * error replies, HTTP responses and CLI output, and other nodes and users' scripts match on it.
 * The Java constant name may be renamed; the wire name may not.
 *
 * <p>A code is {@linkplain #retriable() retriable} when the same request may succeed later
 * without any change by the caller (a backend was down, a deadline passed).
 */
public enum ErrorCode {
  /** The request is malformed: a bad key, a value out of range, an unknown option. */
  INVALID_ARGUMENT("INVALID_ARGUMENT", false),
  /** The thing asked for does not exist. */
  NOT_FOUND("NOT_FOUND", false),
  /** The thing to create exists already. */
  ALREADY_EXISTS("ALREADY_EXISTS", false),
  /** A concurrent change won: a stale version, a lost race. Re-read and try again. */
  CONFLICT("CONFLICT", false),
  /** The system is not in a state that allows the operation (array degraded, repository locked). */
  FAILED_PRECONDITION("FAILED_PRECONDITION", false),
  /** Retention or a legal hold forbids changing or deleting the object. */
  RETENTION_LOCKED("RETENTION_LOCKED", false),
  /** The caller lacks a permission the operation needs (for example a governance bypass). */
  PERMISSION_DENIED("PERMISSION_DENIED", false),
  /** Stored data failed verification: a checksum, a MAC or an authentication tag did not match. */
  INTEGRITY("INTEGRITY", false),
  /** A backend or service cannot be reached, or a bounded fallback is full. */
  UNAVAILABLE("UNAVAILABLE", true),
  /** A deadline passed before the operation completed. */
  TIMEOUT("TIMEOUT", true),
  /** A bus request found nobody subscribed to answer it. */
  NO_RESPONDERS("NO_RESPONDERS", true),
  /** A bounded resource (a queue, a quota, disk space) is exhausted. */
  RESOURCE_EXHAUSTED("RESOURCE_EXHAUSTED", true),
  /** The operation is not supported by this implementation or backend. */
  UNSUPPORTED("UNSUPPORTED", false),
  /** The operation was cancelled or interrupted. */
  CANCELLED("CANCELLED", false),
  /** A bug or an unexpected failure; the message says what was being done. */
  INTERNAL("INTERNAL", false);

  private final String wire;
  private final boolean retriable;

  ErrorCode(String wire, boolean retriable) {
    this.wire = wire;
    this.retriable = retriable;
  }

  /** The stable name used on the wire (bus error replies, JSON, CLI). */
  public String wire() {
    return wire;
  }

  /** Whether a caller may retry the same request unchanged. */
  public boolean retriable() {
    return retriable;
  }

  /**
   * The code with the given wire name, or {@link #INTERNAL} when the name is unknown (a newer
   * peer may send codes this version does not know; they must not break the receiver).
   */
  public static ErrorCode fromWire(String wire) {
    if (wire == null) {
      return INTERNAL;
    }
    String w = wire.trim().toUpperCase(Locale.ROOT);
    for (ErrorCode c : values()) {
      if (c.wire.equals(w)) {
        return c;
      }
    }
    return INTERNAL;
  }
}
