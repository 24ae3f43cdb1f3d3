package io.datawarehouse.raid;

import java.time.Instant;

/**
 * A snapshot of an array.
 *
 * @param name its name
 * @param created when it was taken
 * @param savedBlocks blocks overwritten since and kept for it (copy-on-write)
 * @param savedBytes their size
 */
public record SnapshotInfo(String name, Instant created, long savedBlocks, long savedBytes) {}
