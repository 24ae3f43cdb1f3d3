package io.datawarehouse.dataprotection;

import io.datawarehouse.sdk.DwException;
import java.util.Locale;

/**
 * The kind of a snapshot. Every snapshot records the whole file tree (so each restores on its
 * own); the kind decides which earlier snapshot is its parent, and thus which files are taken
 * over unread when their size, mtime and inode did not change.
 */
public enum BackupType {
  /** Reads every file; no parent. Chunks already in the repository are still not stored again. */
  FULL,
  /** Parent: the latest snapshot (of any kind) of the same paths. */
  INCREMENTAL,
  /** Parent: the latest full snapshot of the same paths. */
  DIFFERENTIAL;

  /** The lower-case name used on the command line, the bus and in snapshots. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code full}, {@code incremental} or {@code differential}; INVALID_ARGUMENT otherwise. */
  public static BackupType parse(String s) {
    for (BackupType t : values()) {
      if (t.wire().equalsIgnoreCase(s)) {
        return t;
      }
    }
    throw DwException.invalidArgument("backup type must be full, incremental or differential, was '" + s + "'");
  }
}
