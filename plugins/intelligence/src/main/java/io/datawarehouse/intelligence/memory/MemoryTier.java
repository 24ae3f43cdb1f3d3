package io.datawarehouse.intelligence.memory;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.datawarehouse.sdk.DwException;
import java.util.Arrays;
import java.util.Locale;

/**
 * How long-lived a memory is, from the scratch state of one task to cold storage. The tier is a
 * label the caller chooses (promotion and demotion are the caller's policy); backends index it.
 *
 * <p>The {@linkplain #wire() wire names} and {@linkplain #code() codes} are stable: the codes are
 * stored on disk in index keys.
 */
public enum MemoryTier {
  /** The scratch state of the task at hand. */
  WORKING("working", 0),
  /** Recent context: hours to days. */
  SHORT_TERM("short-term", 1),
  /** Consolidated knowledge. */
  LONG_TERM("long-term", 2),
  /** Kept, rarely read. */
  ARCHIVE("archive", 3);

  private final String wire;
  private final byte code;

  MemoryTier(String wire, int code) {
    this.wire = wire;
    this.code = (byte) code;
  }

  /** The name on the bus, in JSON and on the command line ("short-term"). */
  @JsonValue
  public String wire() {
    return wire;
  }

  /** The byte stored in index keys. */
  public byte code() {
    return code;
  }

  /** The tier with this code; INTEGRITY when none (a damaged or newer store). */
  public static MemoryTier fromCode(int code) {
    for (MemoryTier t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw DwException.integrity("unknown memory tier code " + code);
  }

  /**
   * The tier named {@code name}: its wire name or its constant name, any case, '_' or '-'.
   *
   * @throws DwException INVALID_ARGUMENT listing the tiers when the name is unknown
   */
  @JsonCreator
  public static MemoryTier parse(String name) {
    if (name != null) {
      String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
      for (MemoryTier t : values()) {
        if (t.wire.equals(n)) {
          return t;
        }
      }
    }
    throw DwException.invalidArgument("unknown memory tier '" + name + "'; expected one of "
        + Arrays.stream(values()).map(MemoryTier::wire).toList());
  }

  @Override
  public String toString() {
    return wire;
  }
}
