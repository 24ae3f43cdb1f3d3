package io.datawarehouse.bench.intelligence;

import io.datawarehouse.intelligence.vector.HnswIndex;
import io.datawarehouse.intelligence.vector.Neighbor;
import io.datawarehouse.intelligence.vector.SyntheticVectors;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread top-10 query throughput of our HNSW index beside Apache Lucene's HNSW
 * ({@code KnnFloatVectorField} + {@code KnnFloatVectorQuery} with k = ef, top 10 taken) on the
 * issue's dataset (see {@link HnswBenchData}), at several ef. Each trial prints the recall@10 of
 * its (library, ef) over all 1k queries as a {@code RECALL} line, so QPS can be read off at equal
 * recall. One op = one query (cycling through the 1k queries).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... org.openjdk.jmh.Main
 * HnswSearchBenchmark -f 1 -wi 2 -i 3 -r 2s} (see plugins/intelligence/README.md). Both
 * libraries get the same JVM flags, so both use their Vector API kernels.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class HnswSearchBenchmark {

  @Param({"dw", "lucene"})
  public String library;

  @Param({"10", "20", "40", "80", "160"})
  public int ef;

  private float[][] queries;
  private HnswIndex dw;
  private Directory luceneDir;
  private DirectoryReader reader;
  private IndexSearcher searcher;
  private long[] docToId;
  private int next;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    SyntheticVectors data = HnswBenchData.dataset();
    int[][] truth = HnswBenchData.groundTruth(data);
    queries = data.queries;
    if (library.equals("dw")) {
      dw = HnswBenchData.cachedDw(data);
    } else {
      luceneDir = HnswBenchData.cachedLucene(data);
      reader = DirectoryReader.open(luceneDir);
      searcher = new IndexSearcher(reader);
      searcher.setQueryCache(null);
      if (reader.leaves().size() != 1) {
        throw new IllegalStateException("expected one segment, found " + reader.leaves().size());
      }
      LeafReader leaf = reader.leaves().get(0).reader();
      docToId = new long[leaf.maxDoc()];
      NumericDocValues ids = leaf.getNumericDocValues(HnswBenchData.ID);
      for (int d = 0; d < docToId.length; d++) {
        ids.advanceExact(d);
        docToId[d] = ids.longValue();
      }
    }
    long[][] got = new long[queries.length][];
    for (int q = 0; q < queries.length; q++) {
      got[q] = query(queries[q]);
    }
    System.out.printf("%nRECALL library=%s ef=%d recall@10=%.4f kernel=%s%n", library, ef,
        SyntheticVectors.recall(truth, got), HnswIndex.kernelName());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    if (reader != null) {
      reader.close();
      luceneDir.close();
    }
  }

  private long[] query(float[] q) throws java.io.IOException {
    if (dw != null) {
      List<Neighbor> hits = dw.search(q, HnswBenchData.K, ef, null);
      long[] out = new long[hits.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = hits.get(i).id();
      }
      return out;
    }
    TopDocs top = searcher.search(new KnnFloatVectorQuery(HnswBenchData.FIELD, q, ef), ef);
    int n = Math.min(HnswBenchData.K, top.scoreDocs.length);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      ScoreDoc sd = top.scoreDocs[i];
      out[i] = docToId[sd.doc];
    }
    return out;
  }

  @Benchmark
  public long[] search() throws java.io.IOException {
    int i = next;
    next = i + 1 == queries.length ? 0 : i + 1;
    return query(queries[i]);
  }
}
