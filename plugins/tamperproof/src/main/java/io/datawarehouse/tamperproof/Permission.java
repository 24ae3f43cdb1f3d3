package io.datawarehouse.tamperproof;

import io.datawarehouse.sdk.DwException;
import java.util.Arrays;

/**
 * What a caller may do beyond writing and reading. Granted per actor in the configuration
 * ({@code tamperproof.grants.<actor>.permissions}); nobody has any by default.
 */
public enum Permission {
  /** Remove a legal hold. (Placing one needs no permission: it only protects.) */
  LEGAL_HOLD("legal-hold"),
  /** Shorten the retention of a GOVERNANCE record. Never enough for a COMPLIANCE record. */
  GOVERNANCE_BYPASS("governance-bypass");

  private final String wire;

  Permission(String wire) {
    this.wire = wire;
  }

  /** The name used in configuration: {@code legal-hold}, {@code governance-bypass}. */
  public String wire() {
    return wire;
  }

  /** The permission named {@code text}; INVALID_ARGUMENT listing the names otherwise. */
  public static Permission parse(String text) {
    for (Permission p : values()) {
      if (p.wire.equalsIgnoreCase(text == null ? "" : text.trim())) {
        return p;
      }
    }
    throw DwException.invalidArgument("unknown permission '" + text + "'; permissions are "
        + Arrays.stream(values()).map(Permission::wire).toList());
  }
}
