package io.datawarehouse.intelligence.search;

import java.util.Map;

/**
 * One search result.
 *
 * @param id the document id
 * @param score the ranking score (cosine similarity, BM25, or the hybrid blend in 0..1)
 * @param denseScore the cosine similarity when dense ranking took part, else null
 * @param lexicalScore the BM25 score when lexical ranking took part and matched, else null
 * @param cluster the document's topic cluster, or -1 when clusters are not computed
 * @param metadata the document's metadata
 * @param snippet the first 200 characters of its text
 */
public record SearchHit(String id, double score, Double denseScore, Double lexicalScore, int cluster,
    Map<String, Object> metadata, String snippet) {}
