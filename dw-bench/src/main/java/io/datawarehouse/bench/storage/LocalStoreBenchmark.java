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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 * The baselines are the floor the goal is measured against; they do less than the store must (no
 * hash, no rename, no directory force). Two references, not goals, show what the store's
 * guarantees cost by themselves, done with the same plain {@code FileChannel} I/O:
 *
 * <ul>
 *   <li>{@code reference_readSha256}: {@code baseline_read} plus the SHA-256 of the bytes compared
 *       with the known digest, the least a verified full read costs;
 *   <li>{@code reference_atomicWrite}: write to a temporary file while hashing (SHA-256), force,
 *       rename over the target, force the directory, the least an atomic durable put costs.
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
  private static final int CHUNK = 256 * 1024;

  @Param({"4096", "67108864"})
  int size;

  private byte[] data;
  private byte[] dataSha256;
  private byte[] sink;
  private Path dir;
  private LocalObjectStore store;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    data = new byte[size];
    new SplittableRandom(42).nextBytes(data);
    dataSha256 = sha256().digest(data);
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

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
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

  /** Reference (not a goal): {@code baseline_read} plus SHA-256 verification of the bytes. */
  @Benchmark
  public boolean reference_readSha256() throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = Files.newInputStream(dir.resolve("plain").resolve("f" + nextIndex()))) {
      int r;
      while ((r = in.read(sink)) > 0) {
        md.update(sink, 0, r);
      }
    }
    if (!MessageDigest.isEqual(md.digest(), dataSha256)) {
      throw new IllegalStateException("digest mismatch");
    }
    return true;
  }

  /**
   * Reference (not a goal): the atomic durable write protocol alone: temporary file written in
   * 256 KiB chunks while hashing, force, rename over the target, force the directory.
   */
  @Benchmark
  public byte[] reference_atomicWrite() throws IOException {
    Path target = dir.resolve("plain").resolve("a" + nextIndex());
    Path tmp = target.resolveSibling(".tmp-" + target.getFileName());
    MessageDigest md = sha256();
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      for (int off = 0; off < size; off += CHUNK) {
        int n = Math.min(CHUNK, size - off);
        md.update(data, off, n);
        ByteBuffer b = ByteBuffer.wrap(data, off, n);
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      ch.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
      d.force(true);
    }
    return md.digest();
  }

}
