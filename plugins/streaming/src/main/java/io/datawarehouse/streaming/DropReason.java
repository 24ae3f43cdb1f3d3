package io.datawarehouse.streaming;

/**
 * Why a record was discarded. Every discarded record goes to the pipeline's dead letters with one
 * of these; nothing disappears silently.
 */
public enum DropReason {
  /** Its event time falls in windows that closed longer ago than the allowed lateness. */
  TOO_LATE,
  /** The payload could not be decoded or validated into a record. */
  BAD_PAYLOAD,
  /** A user function (map, filter, flatMap, key or timestamp) threw on it. */
  POISON,
  /** Enrichment failed after every retry, or its timeout passed. */
  ENRICHMENT_FAILED,
  /** Enrichment was refused without trying because the lookup's circuit breaker is open. */
  CIRCUIT_OPEN,
  /** Stream analysis of the record's batch failed. */
  ANALYSIS_FAILED
}
