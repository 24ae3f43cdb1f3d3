/**
 * The intelligence plugin. Start at {@link io.datawarehouse.intelligence.IntelligencePlugin}; the
 * features live in sub-packages: {@code vector} (the HNSW index), {@code embedding} (text to
 * vectors), {@code text} (TF-IDF and BM25), {@code search} (collections and the bus topics).
 */
package io.datawarehouse.intelligence;
