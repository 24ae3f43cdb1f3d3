package io.datawarehouse.tamperproof;

import java.util.Objects;

/**
 * Evidence that stored data is not what the ledger says: found by {@code verify} or the integrity
 * scan, published as a {@code tamperproof.events} event of type {@code incident}.
 *
 * @param kind what was found
 * @param recordId the record concerned, or null when it cannot be attributed to one
 * @param expected what the ledger (or a signed checkpoint) says, e.g. a SHA-256; null when n/a
 * @param actual what was found instead; null when n/a (a missing file)
 * @param where the file and, for the ledger, the entry index or offset
 * @param message one line a person can act on
 */
public record Incident(Kind kind, String recordId, String expected, String actual, String where, String message) {

  /** The kinds of tampering and damage detected. */
  public enum Kind {
    /** A record's bytes do not hash to its ledger SHA-256, or its data file was replaced. */
    DATA_MISMATCH,
    /** A record's data file is gone. */
    DATA_MISSING,
    /** A metadata file disagrees with the ledger (rewritten from the ledger by a scan). */
    METADATA_MISMATCH,
    /** A data file that no ledger entry accounts for. */
    UNEXPECTED_FILE,
    /** The ledger has fewer entries than a signed checkpoint, a record or the running store says. */
    LEDGER_TRUNCATED,
    /** A ledger entry differs from what was signed or from what the running store holds. */
    LEDGER_ENTRY_ALTERED,
    /** A ledger entry sits at another position than it says (entries moved). */
    LEDGER_REORDERED,
    /** A ledger record fails its checksum or cannot be read. */
    LEDGER_DAMAGED,
    /** The ledger's entries contradict each other (a record changed after its deletion...). */
    LEDGER_INCONSISTENT,
    /** A checkpoint's signature fails, or checkpoints go backwards. */
    CHECKPOINT_INVALID,
    /** The signing key is missing, unreadable, or not the trusted one. */
    KEY_PROBLEM
  }

  public Incident {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return kind + (recordId == null ? "" : " record " + recordId) + ": " + message;
  }
}
