package io.datawarehouse.intelligence.search;

import java.util.List;

/**
 * A topic cluster of a collection, for browsing.
 *
 * @param id cluster number, 0..k-1
 * @param size documents in it
 * @param terms its most characteristic terms (highest summed TF-IDF weight over its documents)
 * @param examples ids of the documents closest to its centroid
 */
public record TopicCluster(int id, int size, List<String> terms, List<String> examples) {}
