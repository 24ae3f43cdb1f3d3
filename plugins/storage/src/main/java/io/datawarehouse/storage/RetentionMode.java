package io.datawarehouse.storage;

import io.datawarehouse.sdk.DwException;
import java.util.Locale;

/**
 * How strictly a WORM retention binds, with the meaning S3 Object Lock gives the two modes.
 *
 * <ul>
 *   <li>{@link #COMPLIANCE}: nobody can overwrite or delete the object, or shorten its retention,
 *       until the retain-until date passes.
 *   <li>{@link #GOVERNANCE}: the same, except that a caller with the bypass permission may lift it.
 *       Overwrite and delete are refused like under a compliance lock; the retention may be
 *       shortened only with {@link Worm#shortenGovernanceRetention}, which the storage plugin
 *       allows per store ({@code governanceBypass}).
 * </ul>
 */
public enum RetentionMode {
  COMPLIANCE,
  GOVERNANCE;

  /** The mode named {@code s} (case-insensitive); INVALID_ARGUMENT listing the modes otherwise. */
  public static RetentionMode parse(String s) {
    if (s != null) {
      for (RetentionMode m : values()) {
        if (m.name().equals(s.trim().toUpperCase(Locale.ROOT))) {
          return m;
        }
      }
    }
    throw DwException.invalidArgument("retention mode must be COMPLIANCE or GOVERNANCE, was '" + s + "'");
  }
}
