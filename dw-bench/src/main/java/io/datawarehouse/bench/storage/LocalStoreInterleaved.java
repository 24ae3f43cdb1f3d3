package io.datawarehouse.bench.storage;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.storage.ObjectContent;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.local.LocalObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The same pairs as {@link LocalStoreBenchmark} ({@code store_get} vs {@code baseline_read},
 * {@code store_put} vs {@code baseline_writeForce}, same code), but interleaved: short batches of
 * the baseline and of the store alternate, so both see the same load. On a shared machine whose
 * load (and disk latency) changes by several times within a minute, JMH's one-benchmark-after-the-
 * other order makes the ratio of two scores mostly noise; interleaving keeps the ratio. Reports
 * wall time and the thread's CPU time per operation; the first fifth of the rounds is warm-up.
 *
 * <p>Run: {@code java -cp dw-bench/target/benchmarks.jar
 * io.datawarehouse.bench.storage.LocalStoreInterleaved get|put SIZE [ROUNDS [BATCH]]}
 */
public final class LocalStoreInterleaved {
  private static final int FILES = 8;

  private LocalStoreInterleaved() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2 || !(args[0].equals("get") || args[0].equals("put"))) {
      System.err.println("usage: LocalStoreInterleaved get|put SIZE [ROUNDS [BATCH]]");
      System.exit(2);
    }
    boolean get = args[0].equals("get");
    int size = Integer.parseInt(args[1]);
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    int batch = args.length > 3 ? Integer.parseInt(args[3]) : Math.max(1, (get ? 64 << 20 : 256 << 10) / Math.max(size, 4096) / 4);
    byte[] data = new byte[size];
    new SplittableRandom(42).nextBytes(data);
    byte[] sink = new byte[256 * 1024];
    Path base = Files.createDirectories(Path.of(System.getProperty("dw.bench.dir", "target/bench-storage")));
    Path dir = Files.createTempDirectory(base, "interleaved-");
    try (LocalObjectStore store = LocalObjectStore.open("bench", dir.resolve("store"), Time.SYSTEM)) {
      Path plain = Files.createDirectories(dir.resolve("plain"));
      for (int i = 0; i < FILES; i++) {
        store.put("obj/" + i, new ByteArrayInputStream(data), size, PutOptions.DEFAULT);
        writeForce(plain.resolve("f" + i), data);
      }
      Interleaved.Op baseline = get
          ? i -> {
            try (InputStream in = Files.newInputStream(plain.resolve("f" + i % FILES))) {
              Streams.drain(in, sink);
            }
          }
          : i -> writeForce(plain.resolve("f" + i % FILES), data);
      Interleaved.Op contender = get
          ? i -> {
            try (ObjectContent c = store.get("obj/" + i % FILES, null)) {
              Streams.drain(c.stream(), sink);
            }
          }
          : i -> store.put("obj/" + i % FILES, new ByteArrayInputStream(data), size, PutOptions.DEFAULT);
      Interleaved.run(get ? "baseline_read" : "baseline_writeForce", baseline, get ? "store_get" : "store_put", contender,
          size, rounds, batch);
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static void writeForce(Path f, byte[] data) throws IOException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(data);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }
}
