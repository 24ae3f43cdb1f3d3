package io.datawarehouse.intelligence.text;

/**
 * A document found by a lexical search.
 *
 * @param key the document's key
 * @param score BM25 score or TF-IDF cosine; higher is better
 */
public record LexicalHit(String key, float score) {}
