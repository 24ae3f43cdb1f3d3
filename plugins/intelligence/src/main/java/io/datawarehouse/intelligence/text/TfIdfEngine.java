package io.datawarehouse.intelligence.text;

import io.datawarehouse.intelligence.internal.VectorMath;
import io.datawarehouse.intelligence.embedding.internal.Murmur3;
import io.datawarehouse.intelligence.internal.ChecksummedFile;
import io.datawarehouse.sdk.DwException;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * TF-IDF and BM25 over a set of keyed documents, maintained incrementally: adding, replacing or
 * removing a document updates the vocabulary, the document frequencies and the postings at once;
 * {@link #save} persists all of it with a checkpoint, {@link #load} restores it.
 *
 * <p>Weights: sublinear term frequency {@code 1 + ln(tf)}; smoothed inverse document frequency
 * {@code ln((1 + N) / (1 + df)) + 1}; vectors L2-normalised. BM25 uses k1 = 1.2, b = 0.75 and
 * {@code idf = ln(1 + (N - df + 0.5) / (df + 0.5))} (as Lucene's BM25Similarity).
 *
 * <p>{@link #dense} projects a TF-IDF vector to a fixed dimension for the HNSW index: each term
 * adds its weight, split over four components chosen and signed by MurmurHash3 of the term
 * (a sparse random projection, deterministic and independent of term ids, so vectors keep their
 * meaning as the vocabulary grows), then the result is L2-normalised; dot products of projections
 * approximate the cosines of the sparse vectors.
 *
 * <p>Thread-safe: reads share a lock, changes take it exclusively. Texts are analysed before the
 * lock is taken.
 */
public final class TfIdfEngine {
  static final int MAGIC = 0x4457_5446; // "DWTF"
  static final int FORMAT_V1 = 1;
  private static final float K1 = 1.2f;
  private static final float B = 0.75f;
  private static final int PROJECTIONS = 4;

  private final TextAnalyzer analyzer;
  private final int projectionDimension;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  private final Map<String, Integer> termIds = new HashMap<>();
  private final List<String> terms = new ArrayList<>();
  private int[] df = new int[256];
  private Postings[] postings = new Postings[256];
  private final Map<String, Integer> ordByKey = new HashMap<>();
  private final List<Doc> docs = new ArrayList<>();
  private int dead;
  private long totalLength;
  private float[] norms = new float[0];
  private boolean normsDirty = true;
  private long checkpoint;

  /** One document's term frequencies (term ids ascending). */
  private record Doc(String key, int[] terms, int[] tfs, int length) {}

  /** The documents (ordinals) containing one term, with the term's frequency in each. */
  private static final class Postings {
    int[] docs = new int[4];
    int[] tfs = new int[4];
    int size;

    void add(int doc, int tf) {
      if (size == docs.length) {
        docs = Arrays.copyOf(docs, size * 2);
        tfs = Arrays.copyOf(tfs, size * 2);
      }
      docs[size] = doc;
      tfs[size++] = tf;
    }
  }

  /**
   * An empty engine.
   *
   * @param analyzer how texts become terms
   * @param projectionDimension the dimension of {@link #dense} vectors, 8..8192
   */
  public TfIdfEngine(TextAnalyzer analyzer, int projectionDimension) {
    if (projectionDimension < 8 || projectionDimension > 8192) {
      throw DwException.invalidArgument("TF-IDF projection dimension must be in 8..8192, was " + projectionDimension);
    }
    this.analyzer = analyzer;
    this.projectionDimension = projectionDimension;
  }

  public TextAnalyzer analyzer() {
    return analyzer;
  }

  public int projectionDimension() {
    return projectionDimension;
  }

  /** The checkpoint saved with the file this engine was loaded from, or last saved. */
  public long checkpoint() {
    return checkpoint;
  }

  /** Adds the document {@code key}, or replaces its text when it exists. */
  public void put(String key, String text) {
    List<String> analysed = analyzer.terms(text);
    lock.writeLock().lock();
    try {
      removeLocked(key);
      Map<Integer, Integer> tf = new HashMap<>();
      for (String t : analysed) {
        tf.merge(termId(t), 1, Integer::sum);
      }
      int[] ids = tf.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
      int[] tfs = new int[ids.length];
      int ord = docs.size();
      for (int i = 0; i < ids.length; i++) {
        tfs[i] = tf.get(ids[i]);
        df[ids[i]]++;
        postings[ids[i]].add(ord, tfs[i]);
      }
      docs.add(new Doc(key, ids, tfs, analysed.size()));
      ordByKey.put(key, ord);
      totalLength += analysed.size();
      normsDirty = true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Removes the document {@code key}.
   *
   * @return whether it was there
   */
  public boolean remove(String key) {
    lock.writeLock().lock();
    try {
      boolean removed = removeLocked(key);
      if (dead > 1024 && dead * 2L > docs.size()) {
        compactLocked();
      }
      return removed;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private boolean removeLocked(String key) {
    Integer ord = ordByKey.remove(key);
    if (ord == null) {
      return false;
    }
    Doc d = docs.get(ord);
    for (int t : d.terms) {
      df[t]--;
    }
    totalLength -= d.length;
    docs.set(ord, null); // its postings stay until compaction and are skipped
    dead++;
    normsDirty = true;
    return true;
  }

  /** Drops removed documents from the postings and renumbers the rest. Write lock held. */
  private void compactLocked() {
    List<Doc> live = new ArrayList<>(ordByKey.size());
    for (Doc d : docs) {
      if (d != null) {
        live.add(d);
      }
    }
    docs.clear();
    ordByKey.clear();
    for (int t = 0; t < terms.size(); t++) {
      postings[t] = new Postings();
    }
    for (Doc d : live) {
      int ord = docs.size();
      docs.add(d);
      ordByKey.put(d.key, ord);
      for (int i = 0; i < d.terms.length; i++) {
        postings[d.terms[i]].add(ord, d.tfs[i]);
      }
    }
    dead = 0;
    normsDirty = true;
  }

  private int termId(String term) {
    Integer id = termIds.get(term);
    if (id != null) {
      return id;
    }
    int nid = terms.size();
    terms.add(term);
    termIds.put(term, nid);
    if (nid == df.length) {
      df = Arrays.copyOf(df, nid * 2);
      postings = Arrays.copyOf(postings, nid * 2);
    }
    postings[nid] = new Postings();
    return nid;
  }

  /** Live documents. */
  public int documents() {
    lock.readLock().lock();
    try {
      return ordByKey.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Terms ever seen (a removed document's terms stay, with df 0). */
  public int vocabularySize() {
    lock.readLock().lock();
    try {
      return terms.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The document frequency of an analysed term (0 when unknown). */
  public int documentFrequency(String term) {
    lock.readLock().lock();
    try {
      Integer id = termIds.get(term);
      return id == null ? 0 : df[id];
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The terms with ids {@code ids}, in order. */
  public List<String> termNames(List<Integer> ids) {
    lock.readLock().lock();
    try {
      List<String> out = new ArrayList<>(ids.size());
      for (int id : ids) {
        out.add(terms.get(id));
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  private double idf(int term) {
    int n = ordByKey.size();
    return Math.log((1.0 + n) / (1.0 + df[term])) + 1.0;
  }

  /**
   * The TF-IDF vector of {@code text} against the current vocabulary (terms never indexed are
   * left out), L2-normalised.
   */
  public SparseVector vector(String text) {
    List<String> analysed = analyzer.terms(text);
    lock.readLock().lock();
    try {
      Map<Integer, Integer> tf = new HashMap<>();
      for (String t : analysed) {
        Integer id = termIds.get(t);
        if (id != null && df[id] > 0) {
          tf.merge(id, 1, Integer::sum);
        }
      }
      int[] ids = tf.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
      int[] tfs = new int[ids.length];
      for (int i = 0; i < ids.length; i++) {
        tfs[i] = tf.get(ids[i]);
      }
      return weigh(ids, tfs);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The TF-IDF vector of the indexed document {@code key}, or null when absent. */
  public SparseVector documentVector(String key) {
    lock.readLock().lock();
    try {
      Integer ord = ordByKey.get(key);
      if (ord == null) {
        return null;
      }
      Doc d = docs.get(ord);
      return weigh(d.terms, d.tfs);
    } finally {
      lock.readLock().unlock();
    }
  }

  private SparseVector weigh(int[] ids, int[] tfs) {
    float[] w = new float[ids.length];
    double sum = 0;
    for (int i = 0; i < ids.length; i++) {
      w[i] = (float) ((1 + Math.log(tfs[i])) * idf(ids[i]));
      sum += (double) w[i] * w[i];
    }
    if (sum > 0) {
      float inv = (float) (1 / Math.sqrt(sum));
      for (int i = 0; i < w.length; i++) {
        w[i] *= inv;
      }
    }
    return new SparseVector(ids, w);
  }

  /** The dense projection of {@code v} (see the class comment); all zero for an empty vector. */
  public float[] dense(SparseVector v) {
    float[] out = new float[projectionDimension];
    List<String> names;
    lock.readLock().lock();
    try {
      names = new ArrayList<>(v.terms().length);
      for (int t : v.terms()) {
        names.add(terms.get(t));
      }
    } finally {
      lock.readLock().unlock();
    }
    float share = (float) (1 / Math.sqrt(PROJECTIONS));
    for (int i = 0; i < names.size(); i++) {
      String term = names.get(i);
      for (int p = 0; p < PROJECTIONS; p++) {
        int h = Murmur3.hash(term, 0x7F1DF + p);
        out[(h & 0x7fff_ffff) % projectionDimension] += (h < 0 ? -share : share) * v.weights()[i];
      }
    }
    return VectorMath.normalizeInPlace(out);
  }

  /** The dense projection of {@code text}'s TF-IDF vector. */
  public float[] dense(String text) {
    return dense(vector(text));
  }

  /**
   * The best {@code k} documents for {@code query} by BM25, best first.
   *
   * @param filter null, or which keys may be returned
   */
  public List<LexicalHit> bm25(String query, int k, Predicate<String> filter) {
    List<String> analysed = analyzer.terms(query);
    lock.readLock().lock();
    try {
      int n = ordByKey.size();
      if (n == 0) {
        return List.of();
      }
      float avgdl = (float) totalLength / n;
      float[] scores = new float[docs.size()];
      Map<Integer, Integer> qtf = new HashMap<>();
      for (String t : analysed) {
        Integer id = termIds.get(t);
        if (id != null && df[id] > 0) {
          qtf.merge(id, 1, Integer::sum);
        }
      }
      for (Map.Entry<Integer, Integer> e : qtf.entrySet()) {
        int t = e.getKey();
        float idf = (float) Math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5));
        Postings p = postings[t];
        for (int i = 0; i < p.size; i++) {
          Doc d = docs.get(p.docs[i]);
          if (d == null) {
            continue;
          }
          float tf = p.tfs[i];
          float norm = K1 * (1 - B + B * d.length / avgdl);
          scores[p.docs[i]] += e.getValue() * idf * tf * (K1 + 1) / (tf + norm);
        }
      }
      return top(scores, k, filter);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The best {@code k} documents for {@code query} by TF-IDF cosine, best first. */
  public List<LexicalHit> cosine(String query, int k, Predicate<String> filter) {
    SparseVector q = vector(query);
    lock.writeLock().lock(); // norms may need recomputing
    try {
      if (normsDirty) {
        recomputeNorms();
      }
      float[] scores = new float[docs.size()];
      for (int i = 0; i < q.terms().length; i++) {
        int t = q.terms()[i];
        float w = q.weights()[i] * (float) idf(t);
        Postings p = postings[t];
        for (int j = 0; j < p.size; j++) {
          if (docs.get(p.docs[j]) != null) {
            scores[p.docs[j]] += w * (float) (1 + Math.log(p.tfs[j])) / norms[p.docs[j]];
          }
        }
      }
      return top(scores, k, filter);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void recomputeNorms() {
    norms = new float[docs.size()];
    for (int ord = 0; ord < docs.size(); ord++) {
      Doc d = docs.get(ord);
      if (d == null) {
        continue;
      }
      double sum = 0;
      for (int i = 0; i < d.terms.length; i++) {
        double w = (1 + Math.log(d.tfs[i])) * idf(d.terms[i]);
        sum += w * w;
      }
      norms[ord] = sum == 0 ? 1 : (float) Math.sqrt(sum);
    }
    normsDirty = false;
  }

  private List<LexicalHit> top(float[] scores, int k, Predicate<String> filter) {
    PriorityQueue<LexicalHit> heap = new PriorityQueue<>((a, b) -> Float.compare(a.score(), b.score()));
    for (int ord = 0; ord < scores.length; ord++) {
      if (scores[ord] <= 0) {
        continue;
      }
      Doc d = docs.get(ord);
      if (d == null || (filter != null && !filter.test(d.key))) {
        continue;
      }
      if (heap.size() < k) {
        heap.add(new LexicalHit(d.key, scores[ord]));
      } else if (scores[ord] > heap.peek().score()) {
        heap.poll();
        heap.add(new LexicalHit(d.key, scores[ord]));
      }
    }
    LexicalHit[] out = new LexicalHit[heap.size()];
    for (int i = out.length - 1; i >= 0; i--) {
      out[i] = heap.poll();
    }
    return List.of(out);
  }

  /**
   * Writes vocabulary, document frequencies and every document's term frequencies to
   * {@code file} (atomically, checksummed), with {@code checkpointValue}.
   *
   * <pre>
   * format v1 (ChecksummedFile, magic "DWTF"): UTF analyzer, u32 projection dimension,
   *   u64 checkpoint, u32 terms, per term: UTF term, u32 df;
   *   u32 documents, per document: UTF key, u32 length, u32 n, n x (u32 term, u32 tf)
   * </pre>
   */
  public void save(Path file, long checkpointValue) {
    lock.writeLock().lock();
    try {
      ChecksummedFile.write(file, MAGIC, FORMAT_V1, out -> {
        out.writeUTF(analyzer.name());
        out.writeInt(projectionDimension);
        out.writeLong(checkpointValue);
        out.writeInt(terms.size());
        for (int t = 0; t < terms.size(); t++) {
          out.writeUTF(terms.get(t));
          out.writeInt(df[t]);
        }
        out.writeInt(ordByKey.size());
        for (Doc d : docs) {
          if (d == null) {
            continue;
          }
          out.writeUTF(d.key);
          out.writeInt(d.length);
          out.writeInt(d.terms.length);
          for (int i = 0; i < d.terms.length; i++) {
            out.writeInt(d.terms[i]);
            out.writeInt(d.tfs[i]);
          }
        }
      });
      checkpoint = checkpointValue;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Reads an engine saved by {@link #save}; the stored document frequencies are checked against
   * the documents.
   *
   * @throws DwException NOT_FOUND when missing, INTEGRITY naming the file when corrupt
   */
  public static TfIdfEngine load(Path file) {
    return ChecksummedFile.read(file, "TF-IDF index", MAGIC, FORMAT_V1, FORMAT_V1, (in, v) -> readV1(file, in));
  }

  private static TfIdfEngine readV1(Path file, DataInputStream in) throws IOException {
    String analyzerName = in.readUTF();
    int dim = in.readInt();
    TfIdfEngine e;
    try {
      e = new TfIdfEngine(TextAnalyzer.named(analyzerName), dim);
    } catch (DwException bad) {
      throw DwException.integrity(file + ": bad header: " + bad.getMessage(), bad);
    }
    e.checkpoint = in.readLong();
    int termCount = in.readInt();
    ChecksummedFile.check(termCount >= 0, file, "negative term count");
    int[] storedDf = new int[termCount];
    for (int t = 0; t < termCount; t++) {
      String term = in.readUTF();
      ChecksummedFile.check(e.termId(term) == t, file, "term '" + term + "' appears twice");
      storedDf[t] = in.readInt();
    }
    int docCount = in.readInt();
    ChecksummedFile.check(docCount >= 0, file, "negative document count");
    for (int d = 0; d < docCount; d++) {
      String key = in.readUTF();
      int length = in.readInt();
      int n = in.readInt();
      ChecksummedFile.check(n >= 0 && n <= termCount && length >= 0, file, "bad sizes in document '" + key + "'");
      int[] ids = new int[n];
      int[] tfs = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = in.readInt();
        tfs[i] = in.readInt();
        ChecksummedFile.check(ids[i] >= 0 && ids[i] < termCount && tfs[i] > 0 && (i == 0 || ids[i] > ids[i - 1]),
            file, "bad term entry in document '" + key + "'");
        e.df[ids[i]]++;
        e.postings[ids[i]].add(d, tfs[i]);
      }
      ChecksummedFile.check(e.ordByKey.put(key, d) == null, file, "document '" + key + "' appears twice");
      e.docs.add(new Doc(key, ids, tfs, length));
      e.totalLength += length;
    }
    for (int t = 0; t < termCount; t++) {
      ChecksummedFile.check(e.df[t] == storedDf[t], file, "document frequency of '" + e.terms.get(t) + "' is "
          + storedDf[t] + " but " + e.df[t] + " documents hold it");
    }
    return e;
  }
}
