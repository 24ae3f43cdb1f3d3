package io.datawarehouse.tamperproof;

import io.datawarehouse.sdk.DwException;
import java.util.Locale;

/**
 * How strictly a record's retention binds, as in S3 Object Lock.
 *
 * <ul>
 *   <li>{@link #COMPLIANCE}: nobody can shorten or remove the retention, whatever their
 *       permissions; it can only be extended. The record cannot be deleted before its
 *       retain-until date.
 *   <li>{@link #GOVERNANCE}: shortening the retention needs the {@link Permission#GOVERNANCE_BYPASS}
 *       permission and is recorded in the ledger; deletion before the retain-until date is still
 *       refused (shorten first, visibly).
 * </ul>
 *
 * A governance record may be switched to compliance (stricter); never the other way round.
 */
public enum RetentionMode {
  COMPLIANCE,
  GOVERNANCE;

  /** The mode named {@code text} (case-insensitive); INVALID_ARGUMENT listing the modes otherwise. */
  public static RetentionMode parse(String text) {
    if (text != null) {
      for (RetentionMode m : values()) {
        if (m.name().equalsIgnoreCase(text.trim())) {
          return m;
        }
      }
    }
    throw DwException.invalidArgument("retention mode must be compliance or governance, was '" + text + "'");
  }

  /** The lower-case name used in configuration and on the command line. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
