package io.datawarehouse.raid;

/**
 * The content-addressed block store behind snapshots.
 *
 * @param blocks distinct blocks stored (one per SHA-256 fingerprint, plus true collisions)
 * @param storedBytes bytes stored
 * @param referencedBytes bytes the references stand for
 * @param ratio referenced over stored (2.0: every block is used twice on average)
 * @param unreferencedBlocks blocks garbage collection would free
 * @param collisions fingerprints shared by different contents (compared byte for byte, kept apart)
 */
public record DedupStats(long blocks, long storedBytes, long referencedBytes, double ratio, long unreferencedBlocks, long collisions) {}
