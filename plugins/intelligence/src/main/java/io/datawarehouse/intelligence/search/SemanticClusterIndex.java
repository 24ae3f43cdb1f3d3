package io.datawarehouse.intelligence.search;

import io.datawarehouse.intelligence.internal.VectorMath;
import com.fasterxml.jackson.core.type.TypeReference;
import io.datawarehouse.intelligence.embedding.EmbeddingProvider;
import io.datawarehouse.intelligence.search.internal.DocumentLog;
import io.datawarehouse.intelligence.search.internal.KMeans;
import io.datawarehouse.intelligence.search.internal.MetadataFilter;
import io.datawarehouse.intelligence.text.LexicalHit;
import io.datawarehouse.intelligence.text.SparseVector;
import io.datawarehouse.intelligence.text.TextAnalyzer;
import io.datawarehouse.intelligence.text.TfIdfEngine;
import io.datawarehouse.intelligence.vector.HnswConfig;
import io.datawarehouse.intelligence.vector.HnswIndex;
import io.datawarehouse.intelligence.vector.Neighbor;
import io.datawarehouse.intelligence.vector.VectorSimilarity;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One searchable collection: the documents, their embeddings in an {@link HnswIndex}, their terms
 * in a {@link TfIdfEngine} (BM25 and TF-IDF), and topic clusters (spherical k-means over the
 * embeddings) for browsing and for routing a search to the nearest topics.
 *
 * <h2>Storage</h2>
 *
 * Under its directory: {@code collection.meta} (framed JSON: the embedding model id, dimension and
 * HNSW parameters it was built with), {@code docs.log} (the {@link DocumentLog}: every put with its
 * embedding, every delete; the source of truth), and two snapshots, {@code vectors.hnsw} and
 * {@code lexical.tfidf}, each recording the log sequence it includes. Opening loads the snapshots
 * and replays only the log after them, so a restart neither re-embeds nor rebuilds the graph. A
 * snapshot that fails verification is logged (WARN, naming the file) and rebuilt from the log,
 * which loses nothing. Snapshots are written every {@code snapshotEvery} changes and on close; the
 * log is compacted when fewer than half its records are live.
 *
 * <p>A document's vector id in the HNSW index is the sequence number of the put that wrote its
 * current version, so replay is deterministic.
 *
 * <p>Thread-safe: searches share a read lock; index and delete batches take the write lock after
 * embedding (the slow part) without it.
 */
public final class SemanticClusterIndex implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SemanticClusterIndex.class);
  private static final int META_MAGIC = FramedFile.magic("DWCM");
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final int EXACT_BELOW = 2_000;

  /** What a collection was built with; a mismatch with the running configuration is refused. */
  record Meta(String name, String embeddingModel, int dimension, int m, int efConstruction, int efSearch,
      String analyzer) {}

  /** A live document: its current put's sequence, text and metadata. */
  private record Doc(long seq, String text, Map<String, Object> metadata) {}

  private final String name;
  private final Path dir;
  private final EmbeddingProvider embeddings;
  private final Meta meta;
  private final int snapshotEvery;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<String, Doc> docs = new HashMap<>();
  private final Map<Long, String> idBySeq = new HashMap<>();
  private HnswIndex hnsw;
  private TfIdfEngine lexical;
  private final DocumentLog log;
  private long lastSeq;
  private long logRecords;
  private int changesSinceSnapshot;
  // topic clusters (recomputed lazily when a quarter of the collection changed)
  private float[][] centroids = new float[0][];
  private final Map<Long, Integer> clusterOf = new HashMap<>();
  private List<TopicCluster> clusterInfo = List.of();
  private int changesSinceClustering;

  private SemanticClusterIndex(String name, Path dir, EmbeddingProvider embeddings, Meta meta, int snapshotEvery) {
    this.name = name;
    this.dir = dir;
    this.embeddings = embeddings;
    this.meta = meta;
    this.snapshotEvery = snapshotEvery;
    this.hnsw = loadOrNew(dir.resolve("vectors.hnsw"), () -> new HnswIndex(hnswConfig(meta)), HnswIndex::load);
    this.lexical = loadOrNew(dir.resolve("lexical.tfidf"),
        () -> new TfIdfEngine(TextAnalyzer.named(meta.analyzer()), 256), TfIdfEngine::load);
    long hnswCp = hnsw.checkpoint();
    long lexCp = lexical.checkpoint();
    this.log = DocumentLog.open(dir.resolve("docs.log"), e -> replay(e, hnswCp, lexCp));
    if (hnsw.size() != docs.size() || lexical.documents() != docs.size()) {
      // a snapshot newer than the log (the log was replaced by hand): rebuild both from the log
      LOG.warn("collection {}: snapshots disagree with the document log ({} vectors, {} lexical, {} documents);"
          + " rebuilding them from the log", name, hnsw.size(), lexical.documents(), docs.size());
      rebuildFromDocs();
    }
  }

  private static HnswConfig hnswConfig(Meta meta) {
    return new HnswConfig(meta.dimension(), VectorSimilarity.COSINE, meta.m(), meta.efConstruction(), meta.efSearch(),
        42L);
  }

  private <T> T loadOrNew(Path file, java.util.function.Supplier<T> fresh, java.util.function.Function<Path, T> load) {
    if (!Files.exists(file)) {
      return fresh.get();
    }
    try {
      return load.apply(file);
    } catch (DwException e) {
      LOG.warn("collection {}: snapshot {} is unusable ({}); rebuilding it from the document log", name, file,
          e.getMessage());
      return fresh.get();
    }
  }

  /**
   * Opens the collection in {@code dir}, creating it when new.
   *
   * @throws DwException FAILED_PRECONDITION when it was built with another embedding model or
   *     dimension; INTEGRITY when its log or metadata is corrupt
   */
  public static SemanticClusterIndex open(String name, Path dir, EmbeddingProvider embeddings, int m,
      int efConstruction, int efSearch, int snapshotEvery) {
    Path metaFile = dir.resolve("collection.meta");
    Meta meta;
    if (Files.exists(metaFile)) {
      meta = Json.fromBytes(FramedFile.read(metaFile, META_MAGIC, 1, 1).body(), Meta.class, metaFile.toString());
      if (!meta.embeddingModel().equals(embeddings.modelId()) || meta.dimension() != embeddings.dimension()) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "collection '" + name + "' was built with embedding model "
            + meta.embeddingModel() + " (" + meta.dimension() + " dimensions) but the configured provider is "
            + embeddings.modelId() + " (" + embeddings.dimension() + "); configure that model again, or delete "
            + dir + " and index the documents anew");
      }
    } else {
      meta = new Meta(name, embeddings.modelId(), embeddings.dimension(), m, efConstruction, efSearch, "english");
      byte[] framed = FramedFile.frame(META_MAGIC, 1, Json.toBytes(meta));
      // flush explicitly: AtomicFiles.write(Path, byte[]) on this main leaves small files empty
      io.datawarehouse.sdk.io.AtomicFiles.write(metaFile, out -> {
        out.write(framed);
        out.flush();
      });
    }
    return new SemanticClusterIndex(name, dir, embeddings, meta, snapshotEvery);
  }

  public String name() {
    return name;
  }

  public String embeddingModel() {
    return meta.embeddingModel();
  }

  // ------------------------------------------------------------------ replay and apply

  private void replay(DocumentLog.Entry e, long hnswCp, long lexCp) {
    logRecords++;
    lastSeq = Math.max(lastSeq, e.seq());
    Doc old = docs.get(e.id());
    if (e.op() == DocumentLog.PUT) {
      Map<String, Object> md = parseMetadata(e.metadataJson());
      docs.put(e.id(), new Doc(e.seq(), e.text(), md));
      idBySeq.put(e.seq(), e.id());
      if (old != null) {
        idBySeq.remove(old.seq());
      }
      if (e.seq() > hnswCp) {
        if (old != null) {
          hnsw.delete(old.seq());
        }
        hnsw.add(e.seq(), e.vector());
      }
      if (e.seq() > lexCp) {
        lexical.put(e.id(), e.text());
      }
    } else {
      if (old != null) {
        docs.remove(e.id());
        idBySeq.remove(old.seq());
      }
      if (e.seq() > hnswCp && old != null) {
        hnsw.delete(old.seq());
      }
      if (e.seq() > lexCp) {
        lexical.remove(e.id());
      }
    }
  }

  private Map<String, Object> parseMetadata(String json) {
    try {
      return Json.mapper().readValue(json, MAP);
    } catch (IOException ex) {
      throw DwException.integrity("collection '" + name + "': metadata in the document log is not JSON: " + ex, ex);
    }
  }

  private void rebuildFromDocs() {
    hnsw = new HnswIndex(hnswConfig(meta));
    lexical = new TfIdfEngine(TextAnalyzer.named(meta.analyzer()), 256);
    List<DocumentLog.Entry> live = new ArrayList<>();
    DocumentLog.open(dir.resolve("docs.log"), e -> {
      if (e.op() == DocumentLog.PUT && docs.containsKey(e.id()) && docs.get(e.id()).seq() == e.seq()) {
        live.add(e);
      }
    }).close();
    for (DocumentLog.Entry e : live) {
      hnsw.add(e.seq(), e.vector());
      lexical.put(e.id(), e.text());
    }
  }

  /**
   * Adds or replaces {@code documents} and deletes {@code deleteIds}, durably: when this returns
   * the change is in the log on disk and visible to searches.
   *
   * @return how many of {@code deleteIds} existed
   */
  public int apply(List<SearchDocument> documents, List<String> deleteIds) {
    List<float[]> vectors = embeddings.embedBatch(documents.stream().map(SearchDocument::text).toList());
    lock.writeLock().lock();
    try {
      List<DocumentLog.Entry> entries = new ArrayList<>();
      long seq = lastSeq;
      for (int i = 0; i < documents.size(); i++) {
        SearchDocument d = documents.get(i);
        float[] v = vectors.get(i);
        if (isZero(v)) {
          v = fallbackDirection(v.length);
        }
        entries.add(new DocumentLog.Entry(++seq, DocumentLog.PUT, d.id(), d.text(), Json.toString(d.metadata()), v));
      }
      int deleted = 0;
      for (String id : deleteIds) {
        if (docs.containsKey(id)) {
          deleted++;
        }
        entries.add(new DocumentLog.Entry(++seq, DocumentLog.DELETE, id, null, null, null));
      }
      log.append(entries);
      for (DocumentLog.Entry e : entries) {
        replay(e, Long.MIN_VALUE, Long.MIN_VALUE);
        if (e.op() == DocumentLog.PUT) {
          assignCluster(e.seq(), e.vector());
        }
      }
      changesSinceSnapshot += entries.size();
      changesSinceClustering += entries.size();
      if (changesSinceSnapshot >= snapshotEvery) {
        snapshotLocked();
      }
      if (logRecords > 1000 && logRecords > 2L * docs.size()) {
        compactLogLocked();
      }
      return deleted;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static boolean isZero(float[] v) {
    for (float x : v) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  /** A text with no features (empty, or only punctuation) gets a fixed unit vector: findable, never near. */
  private static float[] fallbackDirection(int dim) {
    float[] v = new float[dim];
    v[0] = 1;
    return v;
  }

  private void snapshotLocked() {
    hnsw.save(dir.resolve("vectors.hnsw"), lastSeq);
    lexical.save(dir.resolve("lexical.tfidf"), lastSeq);
    changesSinceSnapshot = 0;
  }

  private void compactLogLocked() {
    List<DocumentLog.Entry> live = new ArrayList<>(docs.size());
    List<DocumentLog.Entry> all = new ArrayList<>();
    for (Map.Entry<String, Doc> d : docs.entrySet()) {
      float[] v = hnsw.vector(d.getValue().seq());
      all.add(new DocumentLog.Entry(d.getValue().seq(), DocumentLog.PUT, d.getKey(), d.getValue().text(),
          Json.toString(d.getValue().metadata()), v));
    }
    all.sort(Comparator.comparingLong(DocumentLog.Entry::seq));
    live.addAll(all);
    // the snapshots must not point past what the new log holds: write them first
    snapshotLocked();
    log.rewrite(live);
    logRecords = live.size();
    LOG.info("collection {}: compacted the document log to {} live records", name, live.size());
  }

  // ------------------------------------------------------------------ search

  /** Runs {@code q}; see {@link SearchQuery}. */
  public SearchResult search(SearchQuery q) {
    float[] qv = null;
    if (q.mode() != SearchMode.LEXICAL) {
      qv = q.vector() != null ? q.vector() : embeddings.embed(q.text());
      if (qv.length != meta.dimension()) {
        throw DwException.invalidArgument("query vector has " + qv.length + " dimensions; collection '" + name
            + "' holds " + meta.dimension());
      }
      if (isZero(qv)) {
        throw DwException.invalidArgument("the query has no terms the embedding model can use");
      }
    }
    lock.readLock().lock();
    try {
      ensureClusters();
      Set<Integer> routed = routedClusters(q, qv);
      boolean filtered = !q.filter().isEmpty() || routed != null;
      int matching = filtered ? countMatching(q.filter(), routed) : docs.size();
      LongPredicate vectorFilter = filtered ? seq -> accepts(idBySeq.get(seq), q.filter(), routed) : null;
      java.util.function.Predicate<String> keyFilter = filtered ? id -> accepts(id, q.filter(), routed) : null;
      int pool = Math.max(q.k() * 4, 50);
      Map<String, Double> dense = new LinkedHashMap<>();
      Map<String, Double> lex = new LinkedHashMap<>();
      String plan = "";
      if (qv != null) {
        int want = q.mode() == SearchMode.HYBRID ? pool : q.k();
        boolean exact = filtered && matching <= EXACT_BELOW;
        int ef = q.ef() > 0 ? q.ef() : meta.efSearch();
        List<Neighbor> hits = exact ? hnsw.exactSearch(qv, want, vectorFilter) : hnsw.search(qv, want, ef, vectorFilter);
        plan = exact ? "exact" : "hnsw";
        for (Neighbor n : hits) {
          dense.put(idBySeq.get(n.id()), (double) n.score());
        }
      }
      if (q.mode() != SearchMode.DENSE) {
        int want = q.mode() == SearchMode.HYBRID ? pool : q.k();
        for (LexicalHit h : lexical.bm25(q.text(), want, keyFilter)) {
          lex.put(h.key(), (double) h.score());
        }
        plan = plan.isEmpty() ? "bm25" : plan + "+bm25";
      }
      List<SearchHit> out = rank(q, dense, lex);
      return new SearchResult(name, q.mode(), meta.embeddingModel(), plan, out);
    } finally {
      lock.readLock().unlock();
    }
  }

  private List<SearchHit> rank(SearchQuery q, Map<String, Double> dense, Map<String, Double> lex) {
    Map<String, Double> score = new HashMap<>();
    switch (q.mode()) {
      case DENSE -> score.putAll(dense);
      case LEXICAL -> score.putAll(lex);
      case HYBRID -> {
        Map<String, Double> dn = minMax(dense);
        Map<String, Double> ln = minMax(lex);
        Set<String> all = new HashSet<>(dn.keySet());
        all.addAll(ln.keySet());
        for (String id : all) {
          score.put(id, q.alpha() * dn.getOrDefault(id, 0.0) + (1 - q.alpha()) * ln.getOrDefault(id, 0.0));
        }
      }
    }
    List<Map.Entry<String, Double>> sorted = new ArrayList<>(score.entrySet());
    sorted.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry::getKey));
    List<SearchHit> out = new ArrayList<>(Math.min(q.k(), sorted.size()));
    for (Map.Entry<String, Double> e : sorted) {
      if (out.size() == q.k()) {
        break;
      }
      Doc d = docs.get(e.getKey());
      String text = d.text();
      out.add(new SearchHit(e.getKey(), e.getValue(), dense.get(e.getKey()), lex.get(e.getKey()),
          clusterOf.getOrDefault(d.seq(), -1), d.metadata(), text.length() <= 200 ? text : text.substring(0, 200)));
    }
    return out;
  }

  private static Map<String, Double> minMax(Map<String, Double> scores) {
    if (scores.isEmpty()) {
      return scores;
    }
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (double s : scores.values()) {
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    Map<String, Double> out = new HashMap<>();
    for (Map.Entry<String, Double> e : scores.entrySet()) {
      out.put(e.getKey(), max == min ? 1.0 : (e.getValue() - min) / (max - min));
    }
    return out;
  }

  private boolean accepts(String id, Map<String, Object> filter, Set<Integer> routed) {
    if (id == null) {
      return false;
    }
    Doc d = docs.get(id);
    if (d == null) {
      return false;
    }
    if (routed != null && !routed.contains(clusterOf.getOrDefault(d.seq(), -1))) {
      return false;
    }
    return MetadataFilter.matches(d.metadata(), filter);
  }

  private int countMatching(Map<String, Object> filter, Set<Integer> routed) {
    int n = 0;
    for (String id : docs.keySet()) {
      if (accepts(id, filter, routed)) {
        n++;
      }
    }
    return n;
  }

  private Set<Integer> routedClusters(SearchQuery q, float[] qv) {
    if (q.clusters() == 0 || centroids.length == 0 || qv == null || q.clusters() >= centroids.length) {
      return null;
    }
    Integer[] order = new Integer[centroids.length];
    float[] s = new float[centroids.length];
    for (int j = 0; j < order.length; j++) {
      order[j] = j;
      s[j] = dot(centroids[j], qv);
    }
    java.util.Arrays.sort(order, (a, b) -> Float.compare(s[b], s[a]));
    Set<Integer> out = new HashSet<>();
    for (int i = 0; i < q.clusters(); i++) {
      out.add(order[i]);
    }
    return out;
  }

  // ------------------------------------------------------------------ clusters

  /** The topic clusters, recomputed first when a quarter of the collection changed since. */
  public List<TopicCluster> clusters() {
    lock.readLock().lock();
    try {
      ensureClusters();
      return clusterInfo;
    } finally {
      lock.readLock().unlock();
    }
  }

  private void ensureClusters() {
    int n = docs.size();
    if (n < 4 || (centroids.length > 0 && changesSinceClustering * 4L < n)) {
      return;
    }
    synchronized (clusterOf) {
      if (centroids.length > 0 && changesSinceClustering * 4L < n) {
        return;
      }
      recluster();
    }
  }

  private void recluster() {
    List<Long> seqs = new ArrayList<>(idBySeq.keySet());
    seqs.sort(null);
    float[][] vectors = new float[seqs.size()][];
    for (int i = 0; i < vectors.length; i++) {
      vectors[i] = hnsw.vector(seqs.get(i));
    }
    int k = Math.max(1, Math.min(64, (int) Math.round(Math.sqrt(seqs.size() / 2.0))));
    KMeans.Result r = KMeans.cluster(vectors, k, 25, name.hashCode());
    clusterOf.clear();
    List<List<Integer>> members = new ArrayList<>();
    for (int j = 0; j < r.centroids().length; j++) {
      members.add(new ArrayList<>());
    }
    for (int i = 0; i < seqs.size(); i++) {
      clusterOf.put(seqs.get(i), r.assignment()[i]);
      members.get(r.assignment()[i]).add(i);
    }
    List<TopicCluster> info = new ArrayList<>();
    for (int j = 0; j < members.size(); j++) {
      info.add(describe(j, members.get(j), seqs, vectors, r.centroids()[j]));
    }
    centroids = r.centroids();
    clusterInfo = List.copyOf(info);
    changesSinceClustering = 0;
  }

  private TopicCluster describe(int id, List<Integer> members, List<Long> seqs, float[][] vectors, float[] centroid) {
    Map<Integer, Double> weight = new HashMap<>();
    for (int i : members) {
      SparseVector v = lexical.documentVector(idBySeq.get(seqs.get(i)));
      if (v == null) {
        continue;
      }
      for (int t = 0; t < v.terms().length; t++) {
        weight.merge(v.terms()[t], (double) v.weights()[t], Double::sum);
      }
    }
    List<Integer> top = weight.entrySet().stream()
        .sorted(Map.Entry.<Integer, Double>comparingByValue().reversed().thenComparing(Map.Entry::getKey))
        .limit(5).map(Map.Entry::getKey).toList();
    List<String> terms = lexical.termNames(top);
    List<Integer> byCloseness = new ArrayList<>(members);
    byCloseness.sort(Comparator.comparingDouble(i -> -dot(vectors[i], centroid)));
    List<String> examples = byCloseness.stream().limit(3).map(i -> idBySeq.get(seqs.get(i))).toList();
    return new TopicCluster(id, members.size(), terms, examples);
  }

  private void assignCluster(long seq, float[] v) {
    if (centroids.length > 0) {
      clusterOf.put(seq, KMeans.nearest(centroids, v));
    }
  }

  private static float dot(float[] a, float[] b) {
    return VectorMath.dot(a, b);
  }

  // ------------------------------------------------------------------ stats and lifecycle

  /** Whether the document exists. */
  public boolean contains(String id) {
    lock.readLock().lock();
    try {
      return docs.containsKey(id);
    } finally {
      lock.readLock().unlock();
    }
  }

  public CollectionStats stats() {
    lock.readLock().lock();
    try {
      return new CollectionStats(name, docs.size(), meta.embeddingModel(), meta.dimension(), lexical.vocabularySize(),
          centroids.length, hnsw.tombstones(), log.size());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Writes both snapshots now. */
  public void flush() {
    lock.writeLock().lock();
    try {
      if (changesSinceSnapshot > 0) {
        snapshotLocked();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Flushes and closes the log. */
  @Override
  public void close() {
    flush();
    log.close();
  }
}
