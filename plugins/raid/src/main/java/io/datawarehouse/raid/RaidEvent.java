package io.datawarehouse.raid;

import java.time.Instant;
import java.util.Map;

/**
 * Something that happened to an array, published on {@code raid.events} by the plugin.
 *
 * @param type one of the constants below
 * @param arrayId the array
 * @param disk the disk role concerned, or -1
 * @param message one line for people
 * @param time when
 * @param details JSON-friendly extras (counts, paths)
 */
public record RaidEvent(String type, String arrayId, int disk, String message, Instant time, Map<String, Object> details) {
  public static final String DISK_FAILED = "disk.failed";
  public static final String DISK_STALE = "disk.stale";
  public static final String SPARE_ACTIVATED = "spare.activated";
  public static final String SPARE_EXHAUSTED = "spare.exhausted";
  public static final String REBUILD_STARTED = "rebuild.started";
  public static final String REBUILD_FINISHED = "rebuild.finished";
  public static final String SCRUB_MISMATCH = "scrub.mismatch";
  public static final String REMAP = "remap";
  public static final String RESYNC = "resync";
  public static final String JOURNAL_REPLAYED = "journal.replayed";

  public RaidEvent {
    details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
  }
}
