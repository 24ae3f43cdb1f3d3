/**
 * Semantic search collections and their bus topics. Start at
 * {@link io.datawarehouse.intelligence.search.SemanticSearchService} (the topics and configuration)
 * and {@link io.datawarehouse.intelligence.search.SemanticClusterIndex} (one collection: storage,
 * search plans, topic clusters). Wire bodies are in {@link io.datawarehouse.intelligence.search.SearchMessages}.
 */
package io.datawarehouse.intelligence.search;
