package io.datawarehouse.tamperproof.ledger;

import io.datawarehouse.sdk.DwException;
import java.util.Objects;

/**
 * The outcome of a check by {@link LedgerVerifier}: valid, or not with the reason a person can act
 * on ("inclusion proof leads to root 3f..., the checkpoint says 9a...").
 *
 * @param valid whether everything checked out
 * @param reason why not; empty when valid
 */
public record Verification(boolean valid, String reason) {
  private static final Verification OK = new Verification(true, "");

  public Verification {
    Objects.requireNonNull(reason, "reason");
  }

  public static Verification ok() {
    return OK;
  }

  public static Verification failed(String reason) {
    return new Verification(false, reason);
  }

  /** This result, or INTEGRITY with the reason when it is not valid. */
  public Verification orThrow() {
    if (!valid) {
      throw DwException.integrity(reason);
    }
    return this;
  }

  /** This result when invalid, else {@code next}'s. */
  Verification and(java.util.function.Supplier<Verification> next) {
    return valid ? next.get() : this;
  }
}
