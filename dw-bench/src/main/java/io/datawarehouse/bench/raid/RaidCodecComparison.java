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
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs ISA-L's {@code isal_bench} (built from {@code ../shared/bench/isal}, outside the repository)
 * and {@link ErasureCodingBenchmark} in the same session and prints our throughput as a ratio of
 * ISA-L's. ISA-L has no separate decode benchmark: its decode is {@code ec_encode_data} with the
 * 4 x 10 decode matrix, the same work as the 4-parity encode, so decode is compared against
 * ISA-L {@code ec}.
 *
 * <pre>
 * apt-get install -y libisal-dev
 * gcc -O2 -o /tmp/isal_bench ../shared/bench/isal/isal_bench.c -lisal
 * mvn -B -q -pl dw-bench -am package -DskipTests
 * java -cp dw-bench/target/benchmarks.jar io.datawarehouse.bench.raid.RaidCodecComparison /tmp/isal_bench
 * </pre>
 */
public final class RaidCodecComparison {
  private static final Pattern ISAL = Pattern.compile("wallGBps=([0-9.]+) cpuGBps=([0-9.]+)");

  private RaidCodecComparison() {}

  public static void main(String[] args) throws IOException, InterruptedException, RunnerException {
    Path isal = Path.of(args.length > 0 ? args[0] : "/tmp/isal_bench");
    if (!Files.isExecutable(isal)) {
      throw new IllegalArgumentException(isal + " is not an executable isal_bench; build it as the class Javadoc says");
    }
    Map<String, double[]> base = new LinkedHashMap<>();
    for (String mode : List.of("ec", "pq", "xor")) {
      base.put(mode, runIsal(isal, mode));
    }
    Options opts = new OptionsBuilder()
        .include(ErasureCodingBenchmark.class.getName())
        .param("kernel", "vector")
        .forks(1)
        .warmupIterations(2)
        .measurementIterations(3)
        .measurementTime(TimeValue.seconds(2))
        .warmupTime(TimeValue.seconds(2))
        .build();
    double bytesPerOp = ErasureCodingBenchmark.K * (double) ErasureCodingBenchmark.SHARD;
    Map<String, Double> ours = new LinkedHashMap<>();
    for (RunResult r : new Runner(opts).run()) {
      String name = r.getParams().getBenchmark();
      ours.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult().getScore() * bytesPerOp / 1e9);
    }
    // ISA-L again after ours, so a change in machine load shows as a spread
    for (String mode : List.of("ec", "pq", "xor")) {
      double[] again = runIsal(isal, mode);
      double[] first = base.get(mode);
      base.put(mode, new double[] {(first[0] + again[0]) / 2, (first[1] + again[1]) / 2, Math.min(first[0], again[0]), Math.max(first[0], again[0])});
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"rs10x4Encode", "ec"});
    rows.add(new String[] {"rs10x4Decode4Data", "ec"});
    rows.add(new String[] {"raid6PQ", "pq"});
    rows.add(new String[] {"raid5Xor", "xor"});
    System.out.println();
    System.out.printf(Locale.ROOT, "%-20s %10s %16s %10s%n", "benchmark", "ours GB/s", "ISA-L wall GB/s", "ratio");
    for (String[] row : rows) {
      double o = ours.getOrDefault(row[0], Double.NaN);
      double[] b = base.get(row[1]);
      System.out.printf(Locale.ROOT, "%-20s %10.2f %9.2f (%s) %9.2f   [ISA-L %s: wall %.2f..%.2f, cpu %.2f]%n",
          row[0], o, b[0], row[1], o / b[0], row[1], b[2], b[3], b[1]);
    }
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
