package io.datawarehouse.bench.intelligence;

import io.datawarehouse.intelligence.vector.HnswIndex;
import io.datawarehouse.intelligence.vector.Neighbor;
import io.datawarehouse.intelligence.vector.SyntheticVectors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;

/**
 * The same comparison as {@link HnswSearchBenchmark} (single-thread top-10 queries, ours beside
 * Lucene with k = ef, recall@10 over the 1k queries), but both libraries in one JVM, taking turns:
 * the 1k queries are cut into blocks of 50, and each block runs with ours and with Lucene back to
 * back (which one first alternates), {@code rounds} times. On a shared, loaded
 * machine JMH's separate forks run minutes apart under different load; pairs of short blocks run
 * under the same load, so the ratio is meaningful even when the absolute figures are not. Reports
 * the QPS of each over all blocks and the median of the per-block time ratios.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Xmx6g -Ddw.bench.dir=DIR -cp
 * dw-bench/target/benchmarks.jar io.datawarehouse.bench.intelligence.HnswInterleavedComparison
 * [rounds] [ef,ef,...]} (the graphs are the cached ones of {@link HnswBenchData}).
 */
public final class HnswInterleavedComparison {
  private static final int BLOCK = 50;
  private final float[][] queries;
  private final HnswIndex dw;
  private final IndexSearcher searcher;
  private final long[] docToId;

  private HnswInterleavedComparison(float[][] queries, HnswIndex dw, IndexSearcher searcher, long[] docToId) {
    this.queries = queries;
    this.dw = dw;
    this.searcher = searcher;
    this.docToId = docToId;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int[] efs = args.length > 1
        ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
        : new int[] {10, 20, 40, 80, 160};
    SyntheticVectors data = HnswBenchData.dataset();
    int[][] truth = HnswBenchData.groundTruth(data);
    HnswIndex dw = HnswBenchData.cachedDw(data);
    try (Directory dir = HnswBenchData.cachedLucene(data); DirectoryReader reader = DirectoryReader.open(dir)) {
      IndexSearcher searcher = new IndexSearcher(reader);
      searcher.setQueryCache(null);
      if (reader.leaves().size() != 1) {
        throw new IllegalStateException("expected one segment, found " + reader.leaves().size());
      }
      LeafReader leaf = reader.leaves().get(0).reader();
      long[] docToId = new long[leaf.maxDoc()];
      NumericDocValues ids = leaf.getNumericDocValues(HnswBenchData.ID);
      for (int d = 0; d < docToId.length; d++) {
        ids.advanceExact(d);
        docToId[d] = ids.longValue();
      }
      new HnswInterleavedComparison(data.queries, dw, searcher, docToId).run(truth, rounds, efs);
    }
  }

  private void run(int[][] truth, int rounds, int[] efs) throws IOException {
    System.out.printf(Locale.ROOT, "kernel=%s rounds=%d queries/pass=%d%n", HnswIndex.kernelName(), rounds,
        queries.length);
    // warm both up (JIT) over every ef before measuring anything
    for (int w = 0; w < 3; w++) {
      for (int ef : efs) {
        pass(true, ef, null);
        pass(false, ef, null);
      }
    }
    List<String> rows = new ArrayList<>();
    for (int ef : efs) {
      long[][] gotDw = new long[queries.length][];
      long[][] gotLucene = new long[queries.length][];
      pass(true, ef, gotDw);
      pass(false, ef, gotLucene);
      double recallDw = SyntheticVectors.recall(truth, gotDw);
      double recallLucene = SyntheticVectors.recall(truth, gotLucene);
      // blocks of BLOCK queries, ours and Lucene back to back on the same block (order alternating),
      // so each pair ran under the same load; totals over all blocks and the median pair ratio
      int blocks = queries.length / BLOCK;
      double[] ratios = new double[rounds * blocks];
      long nanosDw = 0;
      long nanosLucene = 0;
      int p = 0;
      for (int r = 0; r < rounds; r++) {
        for (int b = 0; b < blocks; b++) {
          long tDw;
          long tLucene;
          if (((r + b) & 1) == 0) {
            tDw = block(true, ef, b * BLOCK);
            tLucene = block(false, ef, b * BLOCK);
          } else {
            tLucene = block(false, ef, b * BLOCK);
            tDw = block(true, ef, b * BLOCK);
          }
          nanosDw += tDw;
          nanosLucene += tLucene;
          ratios[p++] = (double) tLucene / tDw;
        }
      }
      Arrays.sort(ratios);
      double qpsDw = rounds * (double) (blocks * BLOCK) * 1e9 / nanosDw;
      double qpsLucene = rounds * (double) (blocks * BLOCK) * 1e9 / nanosLucene;
      String row = String.format(Locale.ROOT, "| %d | %.4f | %.0f | %.4f | %.0f | %.2f | %.2f |", ef, recallDw, qpsDw,
          recallLucene, qpsLucene, qpsDw / qpsLucene, ratios[ratios.length / 2]);
      System.out.println("ROW " + row);
      rows.add(row);
    }
    System.out.println();
    System.out.println("| ef | ours recall | ours QPS | Lucene recall | Lucene QPS | QPS ratio (ours/Lucene)"
        + " | median ratio of paired blocks |");
    System.out.println("|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
  }

  /** Nanoseconds for queries [from, from + BLOCK) with one library. */
  private long block(boolean ours, int ef, int from) throws IOException {
    long sink = 0;
    long t0 = System.nanoTime();
    for (int q = from; q < from + BLOCK; q++) {
      sink += ours ? queryDw(queries[q], ef).length : queryLucene(queries[q], ef).length;
    }
    long t = System.nanoTime() - t0;
    if (sink < 0) {
      throw new AssertionError();
    }
    return t;
  }

  /** One pass over every query; returns queries per second, fills {@code got} when not null. */
  private double pass(boolean ours, int ef, long[][] got) throws IOException {
    long sink = 0;
    long t0 = System.nanoTime();
    for (int q = 0; q < queries.length; q++) {
      long[] hits = ours ? queryDw(queries[q], ef) : queryLucene(queries[q], ef);
      sink += hits.length;
      if (got != null) {
        got[q] = hits;
      }
    }
    long t = System.nanoTime() - t0;
    if (sink < 0) {
      throw new AssertionError();
    }
    return queries.length * 1e9 / t;
  }

  private long[] queryDw(float[] q, int ef) {
    List<Neighbor> hits = dw.search(q, HnswBenchData.K, ef, null);
    long[] out = new long[hits.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = hits.get(i).id();
    }
    return out;
  }

  private long[] queryLucene(float[] q, int ef) throws IOException {
    TopDocs top = searcher.search(new KnnFloatVectorQuery(HnswBenchData.FIELD, q, ef), ef);
    int n = Math.min(HnswBenchData.K, top.scoreDocs.length);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = docToId[top.scoreDocs[i].doc];
    }
    return out;
  }
}
