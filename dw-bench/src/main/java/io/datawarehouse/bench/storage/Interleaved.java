package io.datawarehouse.bench.storage;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Runs a baseline and a contender in alternating short batches, so both see the same machine
 * load, and prints operations per second by wall time and the calling thread's CPU time per
 * operation. The first fifth of the rounds is warm-up and not counted. On a shared machine whose
 * load changes by several times within a minute, JMH's one-benchmark-after-the-other order makes
 * the ratio of two scores mostly noise; interleaving keeps the ratio. Shared by the interleaved
 * harnesses of other modules (e.g. {@code bench.intelligence.memory.MemoryInterleaved}).
 */
public final class Interleaved {
  /** One operation; {@code i} counts the operations of a batch. */
  public interface Op {
    void run(int i) throws IOException;
  }

  private Interleaved() {}

  /** Runs {@code rounds} rounds of one batch of each side and prints the result lines. */
  public static void run(String baselineName, Op baseline, String contenderName, Op contender, int size, int rounds, int batch)
      throws IOException {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Op[] ops = {baseline, contender};
    long[] wall = new long[2];
    long[] cpu = new long[2];
    long[] count = new long[2];
    for (int r = 0; r < rounds; r++) {
      for (int which = 0; which < 2; which++) {
        long w0 = System.nanoTime();
        long c0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < batch; i++) {
          ops[which].run(i);
        }
        if (r >= rounds / 5) {
          wall[which] += System.nanoTime() - w0;
          cpu[which] += mx.getCurrentThreadCpuTime() - c0;
          count[which] += batch;
        }
      }
    }
    String[] names = {baselineName, contenderName};
    for (int i = 0; i < 2; i++) {
      System.out.printf("%-20s %10d B: %10.1f ops/s (wall %.1f us/op, cpu %.1f us/op, %d ops)%n", names[i], size,
          count[i] * 1e9 / wall[i], wall[i] / 1e3 / count[i], cpu[i] / 1e3 / count[i], count[i]);
    }
    System.out.printf("%s / %s (ops/s): %.1f%% by wall time, %.1f%% by CPU time of this thread%n", contenderName,
        baselineName, 100.0 * wall[0] / wall[1], 100.0 * cpu[0] / cpu[1]);
  }
}
