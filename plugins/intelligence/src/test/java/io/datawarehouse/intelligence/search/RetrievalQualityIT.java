package io.datawarehouse.intelligence.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datawarehouse.intelligence.embedding.EmbeddingOptions;
import io.datawarehouse.intelligence.embedding.EmbeddingProvider;
import io.datawarehouse.intelligence.embedding.HashEmbeddingProvider;
import io.datawarehouse.intelligence.embedding.OnnxEmbeddingProvider;
import io.datawarehouse.intelligence.text.LexicalHit;
import io.datawarehouse.intelligence.text.TextAnalyzer;
import io.datawarehouse.intelligence.text.TfIdfEngine;
import io.datawarehouse.intelligence.vector.HnswConfig;
import io.datawarehouse.intelligence.vector.HnswIndex;
import io.datawarehouse.intelligence.vector.Neighbor;
import io.datawarehouse.intelligence.vector.VectorSimilarity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

/**
 * Known-item retrieval quality on the manual pages installed on this machine (see
 * {@link ManPageCorpus}): the description of a page is the query, the page is the one right
 * answer. MRR@10 and recall@10 for hash embeddings, TF-IDF cosine, the ONNX model
 * (all-MiniLM-L6-v2) and Lucene's BM25 as the baseline, in the same run; our own BM25 and the
 * hybrid (ONNX + BM25) besides. Prints a table; the figures go in the plugin README.
 */
class RetrievalQualityIT {
  private static final Path MAN = Path.of(System.getProperty("dw.test.mandir", "/usr/share/man/man1"));
  private static final int STRIDE = 6;
  private static final int MAX_DOCS = 2000;
  private static final int QUERY_EVERY = 5;

  record Score(double mrr, double recall) {}

  @Test
  void knownItemSearch_manPages_allFourMethodsMeasured() throws Exception {
    assumeTrue(Files.isDirectory(MAN), "no manual pages at " + MAN + " on this machine: the retrieval quality"
        + " evaluation needs a real corpus (set -Ddw.test.mandir)");
    List<ManPageCorpus.Page> pages = ManPageCorpus.load(MAN, STRIDE, MAX_DOCS);
    assumeTrue(pages.size() >= 200, "only " + pages.size() + " usable manual pages under " + MAN);
    List<Integer> queries = new ArrayList<>();
    for (int i = 0; i < pages.size(); i += QUERY_EVERY) {
      queries.add(i);
    }
    System.out.printf("corpus: %d manual pages from %s, %d known-item queries%n", pages.size(), MAN, queries.size());

    Map<String, Score> results = new LinkedHashMap<>();
    try (EmbeddingProvider hash = new HashEmbeddingProvider(384)) {
      results.put("hash embeddings (HNSW)", dense(hash, pages, queries));
    }
    TfIdfEngine tfidf = new TfIdfEngine(TextAnalyzer.named("english"), 256);
    for (ManPageCorpus.Page p : pages) {
      tfidf.put(p.id(), p.body());
    }
    results.put("TF-IDF cosine", evaluate(pages, queries, q -> ids(tfidf.cosine(q, 10, null))));
    results.put("BM25 (ours)", evaluate(pages, queries, q -> ids(tfidf.bm25(q, 10, null))));
    results.put("Lucene BM25 (baseline)", luceneBm25(pages, queries));
    try (EmbeddingProvider onnx = OnnxEmbeddingProvider.open(EmbeddingOptions.defaults())) {
      long t0 = System.nanoTime();
      results.put("ONNX all-MiniLM-L6-v2 (HNSW)", dense(onnx, pages, queries));
      System.out.printf("ONNX embedding of %d pages took %d s%n", pages.size(), (System.nanoTime() - t0) / 1_000_000_000);
      results.put("hybrid ONNX + BM25 (alpha 0.5)", hybrid(onnx, tfidf, pages, queries));
    }
    System.out.println("| method | MRR@10 | recall@10 |");
    System.out.println("|---|---|---|");
    results.forEach((k, v) -> System.out.printf("| %s | %.3f | %.3f |%n", k, v.mrr(), v.recall()));

    Score lucene = results.get("Lucene BM25 (baseline)");
    assertThat(lucene.mrr()).isGreaterThan(0.2);
    assertThat(results.get("BM25 (ours)").mrr()).isGreaterThan(lucene.mrr() - 0.05);
    // every method is far above chance (1 / pages)
    results.values().forEach(s -> assertThat(s.mrr()).isGreaterThan(0.1));
  }

  private static List<String> ids(List<LexicalHit> hits) {
    return hits.stream().map(LexicalHit::key).toList();
  }

  private static Score evaluate(List<ManPageCorpus.Page> pages, List<Integer> queries,
      Function<String, List<String>> search) {
    double rr = 0;
    int found = 0;
    for (int qi : queries) {
      ManPageCorpus.Page target = pages.get(qi);
      List<String> got = search.apply(target.description());
      int rank = got.indexOf(target.id());
      if (rank >= 0 && rank < 10) {
        rr += 1.0 / (rank + 1);
        found++;
      }
    }
    return new Score(rr / queries.size(), (double) found / queries.size());
  }

  private static HnswIndex embedAll(EmbeddingProvider p, List<ManPageCorpus.Page> pages) {
    HnswIndex index = new HnswIndex(new HnswConfig(p.dimension(), VectorSimilarity.DOT_PRODUCT, 16, 100, 100, 1));
    List<float[]> vectors = p.embedBatch(pages.stream().map(ManPageCorpus.Page::body).toList());
    for (int i = 0; i < vectors.size(); i++) {
      index.add(i, vectors.get(i));
    }
    return index;
  }

  private static Score dense(EmbeddingProvider p, List<ManPageCorpus.Page> pages, List<Integer> queries) {
    HnswIndex index = embedAll(p, pages);
    return evaluate(pages, queries, q -> index.search(p.embed(q), 10, 100, null).stream()
        .map(n -> pages.get((int) n.id()).id()).toList());
  }

  private static Score hybrid(EmbeddingProvider p, TfIdfEngine tfidf, List<ManPageCorpus.Page> pages,
      List<Integer> queries) {
    HnswIndex index = embedAll(p, pages);
    return evaluate(pages, queries, q -> {
      Map<String, Double> dense = new LinkedHashMap<>();
      for (Neighbor n : index.search(p.embed(q), 50, 100, null)) {
        dense.put(pages.get((int) n.id()).id(), (double) n.score());
      }
      Map<String, Double> lex = new LinkedHashMap<>();
      for (LexicalHit h : tfidf.bm25(q, 50, null)) {
        lex.put(h.key(), (double) h.score());
      }
      Map<String, Double> blended = new LinkedHashMap<>();
      normalise(dense).forEach((k, v) -> blended.merge(k, 0.5 * v, Double::sum));
      normalise(lex).forEach((k, v) -> blended.merge(k, 0.5 * v, Double::sum));
      return blended.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
          .limit(10).map(Map.Entry::getKey).toList();
    });
  }

  private static Map<String, Double> normalise(Map<String, Double> s) {
    double min = s.values().stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double max = s.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
    Map<String, Double> out = new LinkedHashMap<>();
    s.forEach((k, v) -> out.put(k, max == min ? 1.0 : (v - min) / (max - min)));
    return out;
  }

  private static Score luceneBm25(List<ManPageCorpus.Page> pages, List<Integer> queries) throws Exception {
    EnglishAnalyzer analyzer = new EnglishAnalyzer();
    try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(analyzer))) {
        for (ManPageCorpus.Page p : pages) {
          Document d = new Document();
          d.add(new StoredField("id", p.id()));
          d.add(new TextField("body", p.body(), Field.Store.NO));
          w.addDocument(d);
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = new IndexSearcher(reader); // BM25Similarity is the default
        TextAnalyzer terms = TextAnalyzer.named("english");
        return evaluate(pages, queries, q -> {
          BooleanQuery.Builder b = new BooleanQuery.Builder();
          for (String t : terms.terms(q)) {
            b.add(new TermQuery(new Term("body", t)), BooleanClause.Occur.SHOULD);
          }
          try {
            List<String> out = new ArrayList<>();
            for (ScoreDoc sd : searcher.search(b.build(), 10).scoreDocs) {
              out.add(searcher.storedFields().document(sd.doc).get("id"));
            }
            return out;
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
      }
    }
  }
}
