package io.datawarehouse.intelligence.vector;

/**
 * One search hit.
 *
 * @param id the caller's id of the vector
 * @param score the {@linkplain VectorSimilarity similarity} to the query; higher is closer
 */
public record Neighbor(long id, float score) {}
