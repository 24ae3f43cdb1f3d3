/**
 * Lexical retrieval: {@link io.datawarehouse.intelligence.text.TfIdfEngine} (incremental TF-IDF,
 * BM25 and a dense projection) over Lucene analyzers ({@link io.datawarehouse.intelligence.text.TextAnalyzer}).
 */
package io.datawarehouse.intelligence.text;
