package io.datawarehouse.raid;

import io.datawarehouse.sdk.DwException;
import java.util.Locale;

/** The array levels. The CLI names them 0, 1, 5, 6, 10 and rs. */
public enum RaidLevel {
  /** Striping, no redundancy. */
  RAID0("0"),
  /** n-way mirror. */
  RAID1("1"),
  /** Striping with one rotating XOR parity. */
  RAID5("5"),
  /** Striping with rotating P+Q parity. */
  RAID6("6"),
  /** Striped two-way mirrors. */
  RAID10("10"),
  /** Reed-Solomon k data + m parity, rotating. */
  RS("rs");

  private final String cliName;

  RaidLevel(String cliName) {
    this.cliName = cliName;
  }

  /** The name on the command line and in status output. */
  public String cliName() {
    return cliName;
  }

  /** The level named {@code 0|1|5|6|10|rs} (or raid5, RAID6...). */
  public static RaidLevel parse(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("raid")) {
      t = t.substring(4);
    }
    for (RaidLevel l : values()) {
      if (l.cliName.equals(t)) {
        return l;
      }
    }
    throw DwException.invalidArgument("unknown RAID level '" + s + "': use 0, 1, 5, 6, 10 or rs");
  }
}
