package io.datawarehouse.intelligence.search;

import java.util.List;

/**
 * The answer to a search.
 *
 * @param collection the collection searched
 * @param mode the ranking used
 * @param embeddingModel the model id of the collection's vectors
 * @param plan how it ran: "hnsw", "exact" (a selective filter made a scan cheaper), "bm25", or a
 *     combination such as "hnsw+bm25"
 * @param hits best first
 */
public record SearchResult(String collection, SearchMode mode, String embeddingModel, String plan,
    List<SearchHit> hits) {}
