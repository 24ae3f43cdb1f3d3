package io.datawarehouse.dataprotection;

/**
 * What prune did.
 *
 * @param packsDeleted packs removed because no snapshot uses any of their blobs
 * @param packsRepacked partially used packs whose used blobs were copied to new packs
 * @param packsWritten new packs written by repacking
 * @param blobsRemoved blobs no snapshot references, now gone
 * @param indexFilesReplaced old index files replaced by one new index
 * @param leftoversRemoved leftovers of interrupted runs removed (unindexed packs, temporary files)
 * @param bytesFreed bytes of pack files deleted minus bytes of new packs
 */
public record PruneResult(long packsDeleted, long packsRepacked, long packsWritten, long blobsRemoved,
    long indexFilesReplaced, long leftoversRemoved, long bytesFreed) {}
