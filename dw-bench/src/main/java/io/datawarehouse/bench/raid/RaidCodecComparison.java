package io.datawarehouse.bench.raid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs ISA-L's {@code isal_bench} (built from {@code ../shared/bench/isal}, outside the repository)
 * and the operations of {@link ErasureCodingBenchmark} in the same session, measured the way
 * {@code isal_bench} measures (a loop of 3 s, GB/s of data input by wall clock and by this thread's
 * CPU time: the CPU figure is the fair one on a shared machine), and prints our throughput as a
 * ratio of ISA-L's. ISA-L has no separate decode benchmark: its decode is {@code ec_encode_data} with the
 * 4 x 10 decode matrix, the same work as the 4-parity encode, so decode is compared against
 * ISA-L {@code ec}.
 *
 * <pre>
 * apt-get install -y libisal-dev
 * gcc -O2 -o /tmp/isal_bench ../shared/bench/isal/isal_bench.c -lisal
 * mvn -B -q -pl dw-bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp dw-bench/target/benchmarks.jar io.datawarehouse.bench.raid.RaidCodecComparison /tmp/isal_bench
 * java --add-modules jdk.incubator.vector -cp dw-bench/target/benchmarks.jar io.datawarehouse.bench.raid.RaidCodecComparison /tmp/isal_bench 12
 * </pre>
 *
 * <p>With a second argument (a number of rounds) the comparison is interleaved instead: each
 * round runs ISA-L {@code ec} for 0.5 s, then our encode and decode for 0.5 s each, then ISA-L
 * {@code pq} and our P+Q the same way, so that a change of machine load hits both sides of every
 * ratio; it prints each round's CPU-time ratios and the ratio of the totals (CPU seconds summed
 * over all rounds), which is the figure to quote on a shared machine.
 */
public final class RaidCodecComparison {
  private static final Pattern ISAL = Pattern.compile("wallGBps=([0-9.]+) cpuGBps=([0-9.]+)");

  private RaidCodecComparison() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Path isal = Path.of(args.length > 0 ? args[0] : "/tmp/isal_bench");
    if (!Files.isExecutable(isal)) {
      throw new IllegalArgumentException(isal + " is not an executable isal_bench; build it as the class Javadoc says");
    }
    if (args.length > 1) {
      interleaved(isal, Integer.parseInt(args[1]));
      return;
    }
    Map<String, double[]> base = new LinkedHashMap<>();
    for (String mode : List.of("ec", "pq", "xor")) {
      base.put(mode, runIsal(isal, mode));
    }
    // ours, measured like isal_bench measures ISA-L: a loop of at least 3 s after warm-up, data
    // input per wall-clock second and per second of this thread's CPU time
    ErasureCodingBenchmark bench = new ErasureCodingBenchmark();
    bench.kernel = "vector";
    bench.setUp();
    Map<String, Runnable> ops = new LinkedHashMap<>();
    ops.put("rs10x4Encode", bench::rs10x4Encode);
    ops.put("rs10x4Decode4Data", bench::rs10x4Decode4Data);
    ops.put("raid6PQ", bench::raid6PQ);
    ops.put("raid5Xor", bench::raid5Xor);
    double bytesPerOp = ErasureCodingBenchmark.K * (double) ErasureCodingBenchmark.SHARD;
    Map<String, double[]> ours = new LinkedHashMap<>();
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    for (Map.Entry<String, Runnable> e : ops.entrySet()) {
      long w0 = System.nanoTime();
      while (System.nanoTime() - w0 < 3_000_000_000L) {
        e.getValue().run();
      }
      long iters = 0;
      long t0 = System.nanoTime();
      long c0 = mx.getCurrentThreadCpuTime();
      long t;
      do {
        for (int r = 0; r < 4; r++) {
          e.getValue().run();
          iters++;
        }
        t = System.nanoTime() - t0;
      } while (t < 3_000_000_000L);
      long c = mx.getCurrentThreadCpuTime() - c0;
      double bytes = iters * bytesPerOp;
      ours.put(e.getKey(), new double[] {bytes / t, bytes / c});
      System.out.printf(Locale.ROOT, "ours %-18s iters=%d wall=%.2fs cpu=%.2fs  wallGBps=%.3f cpuGBps=%.3f%n",
          e.getKey(), iters, t / 1e9, c / 1e9, bytes / t, bytes / c);
    }
    // ISA-L again after ours, so a change in machine load shows as a spread
    for (String mode : List.of("ec", "pq", "xor")) {
      double[] again = runIsal(isal, mode);
      double[] first = base.get(mode);
      base.put(mode, new double[] {(first[0] + again[0]) / 2, (first[1] + again[1]) / 2});
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"rs10x4Encode", "ec"});
    rows.add(new String[] {"rs10x4Decode4Data", "ec"});
    rows.add(new String[] {"raid6PQ", "pq"});
    rows.add(new String[] {"raid5Xor", "xor"});
    System.out.println();
    System.out.printf(Locale.ROOT, "%-20s %-6s %12s %12s %8s %12s %12s %8s%n", "benchmark", "ISA-L", "ours wall", "ISA-L wall", "ratio", "ours cpu", "ISA-L cpu", "ratio");
    for (String[] row : rows) {
      double[] o = ours.get(row[0]);
      double[] b = base.get(row[1]);
      System.out.printf(Locale.ROOT, "%-20s %-6s %12.2f %12.2f %8.2f %12.2f %12.2f %8.2f%n",
          row[0], row[1], o[0], b[0], o[0] / b[0], o[1], b[1], o[1] / b[1]);
    }
    System.out.println("(GB/s of data input; ISA-L figures are the mean of a run before and after ours)");
  }

  /** Bytes of data input and CPU nanoseconds of this thread, summed over calls. */
  private static final class Tally {
    double bytes;
    double cpuNanos;

    double gbps() {
      return bytes / cpuNanos;
    }
  }

  private static double[] measureOurs(Runnable op, long nanos, Tally tally) {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    double bytesPerOp = ErasureCodingBenchmark.K * (double) ErasureCodingBenchmark.SHARD;
    long iters = 0;
    long t0 = System.nanoTime();
    long c0 = mx.getCurrentThreadCpuTime();
    do {
      op.run();
      iters++;
    } while (System.nanoTime() - t0 < nanos);
    long c = mx.getCurrentThreadCpuTime() - c0;
    tally.bytes += iters * bytesPerOp;
    tally.cpuNanos += c;
    return new double[] {iters * bytesPerOp / c};
  }

  private static void interleaved(Path isal, int rounds) throws IOException, InterruptedException {
    ErasureCodingBenchmark bench = new ErasureCodingBenchmark();
    bench.kernel = "vector";
    bench.setUp();
    Runnable enc = bench::rs10x4Encode;
    Runnable dec = bench::rs10x4Decode4Data;
    Runnable pq = bench::raid6PQ;
    for (Runnable op : List.of(enc, dec, pq)) { // warm-up beyond setUp's
      measureOurs(op, 1_000_000_000L, new Tally());
    }
    Tally isalEc = new Tally();
    Tally isalPq = new Tally();
    Tally ourEnc = new Tally();
    Tally ourDec = new Tally();
    Tally ourPq = new Tally();
    for (int r = 0; r < rounds; r++) {
      double e = runIsalTallied(isal, "ec", isalEc);
      double oe = measureOurs(enc, 500_000_000L, ourEnc)[0];
      double od = measureOurs(dec, 500_000_000L, ourDec)[0];
      double p = runIsalTallied(isal, "pq", isalPq);
      double op = measureOurs(pq, 500_000_000L, ourPq)[0];
      System.out.printf(Locale.ROOT, "round %2d  cpu GB/s: ISA-L ec %6.2f  encode %6.2f (%.2f)  decode %6.2f (%.2f)   ISA-L pq %6.2f  P+Q %6.2f (%.2f)%n",
          r + 1, e, oe, oe / e, od, od / e, p, op, op / p);
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "totals over %d rounds (GB/s of data input per CPU second):%n", rounds);
    System.out.printf(Locale.ROOT, "rs10x4Encode       %6.2f / ISA-L ec %6.2f = %.2f%n", ourEnc.gbps(), isalEc.gbps(), ourEnc.gbps() / isalEc.gbps());
    System.out.printf(Locale.ROOT, "rs10x4Decode4Data  %6.2f / ISA-L ec %6.2f = %.2f%n", ourDec.gbps(), isalEc.gbps(), ourDec.gbps() / isalEc.gbps());
    System.out.printf(Locale.ROOT, "raid6PQ            %6.2f / ISA-L pq %6.2f = %.2f%n", ourPq.gbps(), isalPq.gbps(), ourPq.gbps() / isalPq.gbps());
  }

  private static final Pattern ISAL_TOTALS = Pattern.compile("iters=([0-9]+) wall=([0-9.]+)s cpu=([0-9.]+)s");

  /** One short isal_bench run (0.5 s measured); adds its bytes and CPU time to the tally, returns its CPU GB/s. */
  private static double runIsalTallied(Path isal, String mode, Tally tally) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(isal.toString(), "1", "0.5", mode).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(isal + " " + mode + " failed: " + out);
    }
    Matcher m = ISAL_TOTALS.matcher(out);
    if (!m.find()) {
      throw new IOException("cannot read the totals in isal_bench's output: " + out);
    }
    double bytes = Long.parseLong(m.group(1)) * (double) ErasureCodingBenchmark.K * ErasureCodingBenchmark.SHARD;
    double cpu = Double.parseDouble(m.group(3)) * 1e9;
    tally.bytes += bytes;
    tally.cpuNanos += cpu;
    return bytes / cpu;
  }

  private static double[] runIsal(Path isal, String mode) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(isal.toString(), "1", "3", mode).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(isal + " " + mode + " failed: " + out);
    }
    System.out.print(out);
    Matcher m = ISAL.matcher(out);
    if (!m.find()) {
      throw new IOException("cannot read the throughput in isal_bench's output: " + out);
    }
    return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
  }
}
