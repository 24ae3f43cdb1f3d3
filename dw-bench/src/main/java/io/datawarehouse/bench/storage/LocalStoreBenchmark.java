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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * The local object store beside plain {@code FileChannel} I/O of the same bytes, in the same run.
 * Scores are operations per second; MB/s = score x size / 2^20.
 *
 * <ul>
 *   <li>{@code store_put} vs {@code baseline_writeForce}: a durable write. The store streams into a
 *       temporary file while hashing (SHA-256), writes its footer, forces the file, renames it over
 *       the old object and forces the directory; the baseline writes the bytes into a file and
 *       forces it (no rename, no directory force, no hash).
 *   <li>{@code store_get} vs {@code baseline_read}: a full read; the store checks the footer and
 *       verifies the SHA-256 of the content as it streams.
 * </ul>
 *
 * The files live under {@code dw.bench.dir} (default {@code target/bench-storage}, on disk: a
 * tmpfs would make forcing free). Goal: the store at 70% or more of the baseline.
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar LocalStoreBenchmark -f 1 -wi 2 -i 3 -r 2s}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class LocalStoreBenchmark {
  private static final int FILES = 8;

  @Param({"4096", "67108864"})
  int size;

  private byte[] data;
  private byte[] sink;
  private Path dir;
  private LocalObjectStore store;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    data = new byte[size];
    new SplittableRandom(42).nextBytes(data);
    sink = new byte[256 * 1024];
    dir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("dw.bench.dir", "target/bench-storage"))),
        "local-");
    store = LocalObjectStore.open("bench", dir.resolve("store"), Time.SYSTEM);
    Files.createDirectories(dir.resolve("plain"));
    for (int i = 0; i < FILES; i++) {
      store.put("obj/" + i, new ByteArrayInputStream(data), size, PutOptions.DEFAULT);
      writeForce(dir.resolve("plain").resolve("f" + i));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  private int nextIndex() {
    next = (next + 1) % FILES;
    return next;
  }

  private void writeForce(Path f) throws IOException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(data);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  @Benchmark
  public Object store_put() {
    return store.put("obj/" + nextIndex(), new ByteArrayInputStream(data), size, PutOptions.DEFAULT);
  }

  @Benchmark
  public void baseline_writeForce() throws IOException {
    writeForce(dir.resolve("plain").resolve("f" + nextIndex()));
  }

  @Benchmark
  public long store_get() throws IOException {
    try (ObjectContent c = store.get("obj/" + nextIndex(), null)) {
      return Streams.drain(c.stream(), sink);
    }
  }

  @Benchmark
  public long baseline_read() throws IOException {
    try (InputStream in = Files.newInputStream(dir.resolve("plain").resolve("f" + nextIndex()))) {
      return Streams.drain(in, sink);
    }
  }

}
