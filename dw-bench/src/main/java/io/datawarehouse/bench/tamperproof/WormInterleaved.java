package io.datawarehouse.bench.tamperproof;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.tamperproof.Caller;
import io.datawarehouse.tamperproof.TamperProofConfig;
import io.datawarehouse.tamperproof.TamperProofStore;
import io.datawarehouse.tamperproof.WriteOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The operations of {@link WormWriteBenchmark} and {@link WormVerifyBenchmark} beside their baselines,
 * interleaved in slices of 300 ms (store, baseline, store, baseline...) so that both see the same
 * machine load: on a shared machine JMH's one-benchmark-after-the-other runs give ratios that move
 * with whatever else runs. Prints both rates and their ratio (of the means over all rounds, and the
 * median of the rounds' ratios).
 *
 * <p>{@code verify} is a verified read ({@link TamperProofStore#read}: the bytes are returned, in a
 * new array each time); {@code check} is verification alone ({@link TamperProofStore#verifyContent}:
 * the bytes are hashed through a reused buffer and compared, as a scan does). Both against SHA-256
 * of the same bytes in memory. {@code write}'s store slice ends with {@link TamperProofStore#flush},
 * inside its timing: the forces the journal lets a write defer (its data file, the ledger file) are
 * counted against the records written in that slice, like the baseline's one force per file.
 *
 * <p>{@code plainread} is the floor of any store that keeps each record in a file of its own: open
 * a plain file, read it whole into a reused buffer, close it, SHA-256 the bytes; against the same
 * baseline. No store is involved.
 *
 * <p>{@code segmentread} is the floor of a store that packs small records into one shared file
 * read through a mapping (a design the store does not have: see the README's Limits): every
 * record's bytes laid end to end in one file, mapped once; each operation copies one record out of
 * the mapping into a reused buffer and hashes it. No store is involved.
 *
 * <p>Run: {@code java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp dw-bench/target/benchmarks.jar
 * io.datawarehouse.bench.tamperproof.WormInterleaved write|verify|check|plainread|segmentread SIZE ROUNDS}. The
 * pre-touched heap matters for {@code verify}: it returns a new array per record, and in a fresh
 * heap each new page of it costs a page fault (on some machines more than the whole 4 KiB read),
 * which a server that has run for a while no longer pays.
 */
public final class WormInterleaved {
  private static final long SLICE_NANOS = 300_000_000L;
  /**
   * Rounds run before the measured ones: five (3 s), so that the JIT compilers (which took a
   * quarter of the CPU samples of a whole run with two) are done before measuring starts.
   */
  private static final int WARMUP_ROUNDS = 5;

  private WormInterleaved() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3 || !List.of("write", "verify", "check", "plainread", "segmentread").contains(args[0])) {
      System.err.println("usage: WormInterleaved write|verify|check|plainread|segmentread SIZE ROUNDS");
      System.exit(2);
    }
    boolean write = args[0].equals("write");
    boolean check = args[0].equals("check");
    boolean plainRead = args[0].equals("plainread");
    boolean segmentRead = args[0].equals("segmentread");
    int size = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    byte[] data = new byte[size];
    new SplittableRandom(42).nextBytes(data);
    Path dir = Files.createTempDirectory("dw-bench-worm-interleaved");
    WriteOptions options = WriteOptions.in("bench").withRetention(Duration.ofDays(1));
    Caller caller = Caller.of("bench");
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    double[] ratios = new double[rounds];
    double storeSum = 0;
    double baseSum = 0;
    long sink = 0;
    try (TamperProofStore store = TamperProofStore.open(dir.resolve("store"), TamperProofConfig.defaults(), Time.SYSTEM)) {
      for (int i = 0; i < 256; i++) {
        Files.createDirectories(dir.resolve("plain").resolve(String.format("%02x", i)));
      }
      String[] ids = new String[WormVerifyBenchmark.RECORDS];
      Path[] plain = new Path[ids.length];
      for (int i = 0; i < ids.length; i++) {
        data[0] = (byte) i;
        ids[i] = store.write(data, options, caller).id();
        plain[i] = dir.resolve("plain").resolve(String.format("%02x", i)).resolve("r");
        Files.write(plain[i], data);
      }
      ByteBuffer readBuf = ByteBuffer.allocate(size + 1);
      java.nio.MappedByteBuffer segment = null;
      if (segmentRead) {
        Path seg = dir.resolve("segment");
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            StandardOpenOption.READ)) {
          for (Path p : plain) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
            while (b.hasRemaining()) {
              ch.write(b);
            }
          }
          segment = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        }
      }
      long files = 0;
      int next = 0;
      for (int r = -WARMUP_ROUNDS; r < rounds; r++) {
        long t0 = System.nanoTime();
        long ops = 0;
        while (System.nanoTime() - t0 < SLICE_NANOS) {
          int i = next++ & (ids.length - 1);
          if (plainRead) {
            sink += readAndHash(plain[i], readBuf, sha);
          } else if (segmentRead) {
            segment.get(i * size, readBuf.array(), 0, size); // at most 64 records of 1 MiB: an int offset
            sha.update(readBuf.array(), 0, size);
            sink += sha.digest()[0];
          } else {
            String id = ids[i];
            sink += write ? store.write(data, options, caller).size()
                : check ? store.verifyContent(id).size() : store.read(id).length;
          }
          ops++;
        }
        if (write) {
          store.flush(); // the deferred forces of this slice's records are part of its cost
        }
        double storeRate = ops * 1e9 / (System.nanoTime() - t0);
        t0 = System.nanoTime();
        ops = 0;
        while (System.nanoTime() - t0 < SLICE_NANOS) {
          if (write) {
            BenchFiles.writePlainForced(dir, files++, data);
          } else {
            sink += sha.digest(data)[0];
          }
          ops++;
        }
        double baseRate = ops * 1e9 / (System.nanoTime() - t0);
        if (r >= 0) {
          ratios[r] = storeRate / baseRate;
          storeSum += storeRate;
          baseSum += baseRate;
        }
      }
    } finally {
      BenchFiles.deleteTree(dir);
    }
    Arrays.sort(ratios);
    System.out.printf("%s %d B: store %.0f ops/s, baseline %.0f ops/s, ratio %.0f%% (median of %d rounds %.0f%%)%s%n",
        args[0], size, storeSum / rounds, baseSum / rounds, 100 * storeSum / baseSum, rounds, 100 * ratios[rounds / 2],
        sink == 42 ? " " : "");
  }

  /** Opens {@code file}, reads it whole into {@code buf}, closes it and hashes the bytes. */
  private static long readAndHash(Path file, ByteBuffer buf, MessageDigest sha) throws IOException {
    buf.clear();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (ch.read(buf) > 0) {
        // until the end of the file
      }
    }
    sha.update(buf.array(), 0, buf.position());
    return sha.digest()[0];
  }
}
