package io.datawarehouse.bench.intelligence;

import io.datawarehouse.intelligence.vector.HnswConfig;
import io.datawarehouse.intelligence.vector.HnswIndex;
import io.datawarehouse.intelligence.vector.SyntheticVectors;
import io.datawarehouse.intelligence.vector.VectorSimilarity;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * The benchmark dataset and the indexes built from it, shared by the HNSW benchmarks: 100
 * Gaussian centres in R^128, each point a centre plus N(0, I), L2-normalised; 100k base vectors and
 * 1k queries from seed 42; exact top-10 by dot product as ground truth; M = 16 and efConstruction
 * = 100 for both libraries.
 *
 * <p>Building takes tens of seconds, and JMH runs every parameter combination in a fresh JVM, so
 * the ground truth and the single-thread-built indexes are cached under {@code dw.bench.dir}
 * (default {@code java.io.tmpdir/dw-bench-hnsw}) and loaded by later forks.
 */
final class HnswBenchData {
  static final int N = 100_000;
  static final int QUERIES = 1_000;
  static final int DIM = 128;
  static final int CLUSTERS = 100;
  static final long SEED = 42L;
  static final int M = 16;
  static final int EF_CONSTRUCTION = 100;
  static final int K = 10;
  static final String FIELD = "v";
  static final String ID = "id";

  private HnswBenchData() {}

  static SyntheticVectors dataset() {
    return SyntheticVectors.generate(N, QUERIES, DIM, CLUSTERS, SEED);
  }

  static Path dir() {
    Path d = Path.of(System.getProperty("dw.bench.dir", System.getProperty("java.io.tmpdir") + "/dw-bench-hnsw"));
    try {
      Files.createDirectories(d);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return d;
  }

  static int[][] groundTruth(SyntheticVectors data) throws IOException {
    Path f = dir().resolve("truth-" + SEED + ".bin");
    if (Files.exists(f)) {
      try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(f)))) {
        int[][] t = new int[in.readInt()][K];
        for (int[] row : t) {
          for (int i = 0; i < K; i++) {
            row[i] = in.readInt();
          }
        }
        return t;
      }
    }
    int[][] t = data.groundTruth(K, VectorSimilarity.DOT_PRODUCT, null);
    try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(f)))) {
      out.writeInt(t.length);
      for (int[] row : t) {
        for (int v : row) {
          out.writeInt(v);
        }
      }
    }
    return t;
  }

  static HnswConfig dwConfig() {
    return new HnswConfig(DIM, VectorSimilarity.DOT_PRODUCT, M, EF_CONSTRUCTION, 64, SEED);
  }

  /** Builds our index from {@code threads} threads, each adding every threads-th vector. */
  static HnswIndex buildDw(SyntheticVectors data, int threads) throws InterruptedException {
    HnswIndex index = new HnswIndex(dwConfig());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int first = t;
      workers.add(Thread.ofPlatform().name("dw-hnsw-build-" + t).start(() -> {
        for (int i = first; i < data.base.length; i += threads) {
          index.add(i, data.base[i]);
        }
      }));
    }
    for (Thread w : workers) {
      w.join();
    }
    return index;
  }

  static HnswIndex cachedDw(SyntheticVectors data) throws InterruptedException {
    Path f = dir().resolve("dw-" + SEED + ".hnsw");
    if (Files.exists(f)) {
      return HnswIndex.load(f);
    }
    HnswIndex index = buildDw(data, 1);
    index.save(f, 0);
    return index;
  }

  /**
   * Builds a Lucene index of the base vectors in {@code dir}: with one thread, one indexing thread
   * and a RAM buffer that holds everything (one segment, graph built while adding); with more,
   * that many indexing threads (one segment each) and then a merge to one segment with that many
   * HNSW merge workers.
   */
  static void buildLucene(SyntheticVectors data, Directory dir, int threads) throws Exception {
    ExecutorService mergeExec = threads > 1 ? Executors.newFixedThreadPool(threads,
        Thread.ofPlatform().name("lucene-hnsw-merge-", 0).factory()) : null;
    try {
      KnnVectorsFormat format = threads > 1
          ? new Lucene99HnswVectorsFormat(M, EF_CONSTRUCTION, threads, mergeExec)
          : new Lucene99HnswVectorsFormat(M, EF_CONSTRUCTION);
      IndexWriterConfig iwc = new IndexWriterConfig()
          .setCodec(new Lucene103Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
              return format;
            }
          })
          .setRAMBufferSizeMB(2048)
          .setUseCompoundFile(false)
          .setMaxFullFlushMergeWaitMillis(0);
      try (IndexWriter w = new IndexWriter(dir, iwc)) {
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
          int first = t;
          workers.add(Thread.ofPlatform().name("lucene-index-" + t).start(() -> {
            try {
              for (int i = first; i < data.base.length; i += threads) {
                Document doc = new Document();
                doc.add(new KnnFloatVectorField(FIELD, data.base[i], VectorSimilarityFunction.DOT_PRODUCT));
                doc.add(new NumericDocValuesField(ID, i));
                w.addDocument(doc);
              }
            } catch (Throwable e) {
              failures.add(e);
            }
          }));
        }
        for (Thread t : workers) {
          t.join();
        }
        if (!failures.isEmpty()) {
          throw new IllegalStateException("Lucene indexing failed", failures.get(0));
        }
        w.forceMerge(1);
        w.commit();
      }
    } finally {
      if (mergeExec != null) {
        mergeExec.shutdown();
      }
    }
  }

  static Directory cachedLucene(SyntheticVectors data) throws Exception {
    Path p = dir().resolve("lucene-" + SEED);
    Path done = dir().resolve("lucene-" + SEED + ".done");
    if (!Files.exists(done)) {
      if (Files.exists(p)) {
        try (var s = Files.walk(p)) {
          s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
      }
      try (Directory d = FSDirectory.open(p)) {
        buildLucene(data, d, 1);
      }
      Files.createFile(done);
    }
    return FSDirectory.open(p);
  }
}
