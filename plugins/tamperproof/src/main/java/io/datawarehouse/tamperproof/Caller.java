package io.datawarehouse.tamperproof;

import io.datawarehouse.sdk.DwException;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Who asks for an operation, and the permissions they were granted. The actor's name is recorded
 * in the ledger with every change it makes.
 *
 * <p>The store trusts what it is given: the plugin builds a caller from the configured grants of
 * the actor named in a bus request, the command line from those of the operating-system user.
 *
 * @param actor who; non-blank, at most 128 characters
 * @param permissions what they may do beyond writing and reading
 */
public record Caller(String actor, Set<Permission> permissions) {
  public Caller {
    Objects.requireNonNull(actor, "actor");
    if (actor.isBlank() || actor.length() > 128 || actor.chars().anyMatch(Character::isISOControl)) {
      throw DwException.invalidArgument("an actor is 1..128 printable characters, was '" + actor + "'");
    }
    permissions = permissions == null || permissions.isEmpty() ? Set.of()
        : Set.copyOf(EnumSet.copyOf(permissions));
  }

  /** A caller without permissions. */
  public static Caller of(String actor) {
    return new Caller(actor, Set.of());
  }

  /** A caller with the given permissions. */
  public static Caller of(String actor, Permission... permissions) {
    return new Caller(actor, Set.of(permissions));
  }

  public boolean has(Permission p) {
    return permissions.contains(p);
  }
}
