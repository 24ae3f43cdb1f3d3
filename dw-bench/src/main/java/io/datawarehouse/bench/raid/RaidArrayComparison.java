package io.datawarehouse.bench.raid;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The operations of {@link RaidArrayBenchmark} (RAID6 of 6 disk files, 1 MiB sequential requests,
 * page cache warm) beside plain {@code FileChannel} I/O of the same bytes to copies of the same
 * six files (the plain writes would corrupt the array's own), interleaved: rounds of 250 ms of each operation in turn, so that a change in machine load hits
 * the array and its baseline alike (JMH runs one benchmark after the other, and on a shared machine
 * its ratios then mostly measure the load). Prints the ratio of the totals and the median and
 * range of the per-round ratios.
 *
 * <pre>
 * mvn -B -q -pl dw-bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp dw-bench/target/benchmarks.jar io.datawarehouse.bench.raid.RaidArrayComparison [rounds]
 * </pre>
 */
public final class RaidArrayComparison {
  private static final long ROUND_NANOS = 250_000_000L;

  private RaidArrayComparison() {}

  private interface Op {
    void run() throws IOException;
  }

  public static void main(String[] args) throws IOException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    RaidArrayBenchmark b = new RaidArrayBenchmark();
    b.setUp();
    try {
      b.usePlainCopies();
      Map<String, Op> ops = new LinkedHashMap<>();
      ops.put("arrayWrite", b::arrayWrite);
      ops.put("fileChannelWrite", b::fileChannelWrite);
      ops.put("arrayRead", b::arrayRead);
      ops.put("fileChannelRead", b::fileChannelRead);
      for (Op op : ops.values()) {
        timed(op, 3_000_000_000L); // warm-up
      }
      Map<String, long[]> total = new LinkedHashMap<>();
      for (String name : ops.keySet()) {
        total.put(name, new long[2]);
      }
      List<double[]> perRound = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        double[] rate = new double[ops.size()];
        int i = 0;
        for (Map.Entry<String, Op> e : ops.entrySet()) {
          long t0 = System.nanoTime();
          long n = timed(e.getValue(), ROUND_NANOS);
          long t = System.nanoTime() - t0;
          long[] acc = total.get(e.getKey());
          acc[0] += n;
          acc[1] += t;
          rate[i++] = n * 1e9 / t;
        }
        perRound.add(new double[] {rate[0] / rate[1], rate[2] / rate[3]});
        System.out.printf(Locale.ROOT, "round %2d  write %7.0f / %7.0f ops/s = %.2f   read %7.0f / %7.0f ops/s = %.2f%n",
            r + 1, rate[0], rate[1], rate[0] / rate[1], rate[2], rate[3], rate[2] / rate[3]);
      }
      double[] ops1 = new double[ops.size()];
      int i = 0;
      for (long[] acc : total.values()) {
        ops1[i++] = acc[0] * 1e9 / acc[1];
      }
      System.out.println();
      report("sequential write", ops1[0], ops1[1], perRound, 0);
      report("sequential read", ops1[2], ops1[3], perRound, 1);
      System.out.println("(1 op = 1 MiB of user data; MB/s = ops/s * 1.048576)");
    } finally {
      b.tearDown();
    }
  }

  private static long timed(Op op, long nanos) throws IOException {
    long n = 0;
    long t0 = System.nanoTime();
    do {
      op.run();
      n++;
    } while (System.nanoTime() - t0 < nanos);
    return n;
  }

  private static void report(String what, double array, double plain, List<double[]> perRound, int col) {
    double[] r = perRound.stream().mapToDouble(x -> x[col]).sorted().toArray();
    System.out.printf(Locale.ROOT, "%-17s array %7.0f ops/s  FileChannel %7.0f ops/s  ratio %.2f  (per round: median %.2f, %.2f to %.2f)%n",
        what, array, plain, array / plain, r[r.length / 2], r[0], r[r.length - 1]);
  }
}
