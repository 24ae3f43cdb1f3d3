package io.datawarehouse.deployment;

/** The phase of a rollout. SUCCEEDED, ROLLED_BACK and FAILED are terminal. */
public enum Phase {
  /** Working through its plan. */
  PROGRESSING,
  /** Waiting for a manual promote (or abort): a step without a pause, or inconclusive analyses. */
  PAUSED,
  /** Working through its rollback plan after a failure or an abort. */
  ROLLING_BACK,
  /** Done: the new version serves. */
  SUCCEEDED,
  /** Rolled back: the previous version serves again. */
  ROLLED_BACK,
  /** The rollback itself failed: needs a person (retry, or fix and apply). */
  FAILED;

  /** Whether no more work happens without a retry. */
  public boolean terminal() {
    return this == SUCCEEDED || this == ROLLED_BACK || this == FAILED;
  }
}
