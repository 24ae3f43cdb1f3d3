package io.datawarehouse.intelligence.search;

/**
 * What a collection holds.
 *
 * @param name the collection name
 * @param documents live documents
 * @param embeddingModel the embedding model id its vectors come from
 * @param dimension vector dimension
 * @param vocabulary terms in its TF-IDF vocabulary
 * @param clusters topic clusters (0 until computed)
 * @param tombstones deleted or replaced vectors awaiting compaction
 * @param logBytes size of its document log
 */
public record CollectionStats(String name, int documents, String embeddingModel, int dimension, int vocabulary,
    int clusters, int tombstones, long logBytes) {}
