package io.datawarehouse.bench.raid;

import io.datawarehouse.raid.ArraySpec;
import io.datawarehouse.raid.RaidArray;
import io.datawarehouse.raid.RaidLevel;
import io.datawarehouse.sdk.Progress;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Sequential array I/O against plain files, in the same run: a RAID6 array of 6 disk files
 * (64 KiB blocks, page cache warm) written and read in 1 MiB requests, beside writing and reading
 * the same number of bytes, 1 MiB at a time, to the same six files with a plain {@link
 * FileChannel}. Each operation moves 1 MiB of user data: {@code MB/s = ops/s * 1.048576}.
 * {@code degradedWrite} writes the same way to the same kind of array with one disk pulled, where
 * every write goes through the degraded-write journal (one {@code fsync} of the journal per 1 MiB
 * write; the healthy {@code arrayWrite} forces nothing until a flush).
 *
 * <pre>
 * mvn -B -q -pl dw-bench -am package -DskipTests
 * java -jar dw-bench/target/benchmarks.jar 'RaidArrayBenchmark' -f 1 -wi 2 -i 3 -r 2s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class RaidArrayBenchmark {
  static final int IO = 1 << 20;
  static final long DISK = 96L << 20;

  private Path dir;
  private RaidArray array;
  private FileChannel[] files;
  private byte[] buf;
  private ByteBuffer plain;
  private long pos;
  private long capacity;
  private long filePos;
  private int fileIndex;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("raid-bench");
    array = RaidArray.create(dir.resolve("array"), ArraySpec.of(RaidLevel.RAID6, 6, DISK, 64 * 1024));
    capacity = array.capacity() / IO * IO;
    buf = new byte[IO];
    new SplittableRandom(7).nextBytes(buf);
    for (long p = 0; p < capacity; p += IO) {
      array.write(p, buf);
    }
    array.flush();
    files = new FileChannel[6];
    for (int i = 0; i < 6; i++) {
      files[i] = FileChannel.open(dir.resolve("array").resolve("disk-" + i + ".img"), StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
    plain = ByteBuffer.wrap(buf);
  }

  /**
   * Points the plain {@code FileChannel} operations at copies of the six disk files, made here
   * (same sizes and bytes, same file system, in the page cache): {@link RaidArrayComparison}
   * interleaves them with array I/O, which the plain writes would otherwise corrupt.
   */
  void usePlainCopies() throws IOException {
    for (int i = 0; i < 6; i++) {
      files[i].close();
      Path copy = dir.resolve("plain-" + i + ".img");
      Files.copy(dir.resolve("array").resolve("disk-" + i + ".img"), copy);
      files[i] = FileChannel.open(copy, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    for (FileChannel f : files) {
      f.close();
    }
    array.close();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  private long next() {
    long p = pos;
    pos = (pos + IO) % capacity;
    return p;
  }

  @Benchmark
  public void arrayWrite() {
    array.write(next(), buf);
  }

  @Benchmark
  public byte[] arrayRead() {
    array.read(next(), buf, 0, IO);
    return buf;
  }

  /** The same bytes to the same six files: 1 MiB per request, files in turn, sequential offsets. */
  private long plainNext() {
    long p = filePos;
    fileIndex = (fileIndex + 1) % 6;
    if (fileIndex == 0) {
      filePos = (filePos + IO) % (capacity / 4);
    }
    return p;
  }

  @Benchmark
  public int fileChannelWrite() throws IOException {
    plain.clear();
    return files[fileIndex].write(plain, (plainNext() + (1 << 20)));
  }

  @Benchmark
  public int fileChannelRead() throws IOException {
    plain.clear();
    return files[fileIndex].read(plain, (plainNext() + (1 << 20)));
  }

  /** A RAID6 array like the healthy one with disk 2 pulled: every write is journaled. */
  @State(Scope.Thread)
  public static class DegradedState {
    Path dir;
    RaidArray array;
    byte[] buf;
    long capacity;
    long pos;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      dir = Files.createTempDirectory("raid-degraded");
      array = RaidArray.create(dir.resolve("a"), ArraySpec.of(RaidLevel.RAID6, 6, DISK, 64 * 1024));
      capacity = array.capacity() / IO * IO;
      buf = new byte[IO];
      new SplittableRandom(9).nextBytes(buf);
      for (long p = 0; p < capacity; p += IO) {
        array.write(p, buf);
      }
      array.fail(2);
      Files.delete(dir.resolve("a").resolve("disk-2.img"));
      array.flush();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      array.close();
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
    }
  }

  /** 1 MiB sequential writes to the degraded array (journaled), beside {@link #arrayWrite}. */
  @Benchmark
  public void degradedWrite(DegradedState s) {
    long p = s.pos;
    s.pos = (s.pos + IO) % s.capacity;
    s.array.write(p, s.buf);
  }

  /** Rebuild of one replaced disk of a RAID6 array; the score is seconds for a whole disk. */
  @State(Scope.Thread)
  public static class RebuildState {
    Path dir;
    RaidArray array;

    @Setup(Level.Iteration)
    public void replaceADisk() throws IOException {
      dir = Files.createTempDirectory("raid-rebuild");
      array = RaidArray.create(dir.resolve("a"), ArraySpec.of(RaidLevel.RAID6, 6, DISK, 64 * 1024));
      byte[] b = new byte[IO];
      new SplittableRandom(8).nextBytes(b);
      for (long p = 0; p + IO <= array.capacity(); p += IO) {
        array.write(p, b);
      }
      array.replace(3);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
      array.close();
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
    }
  }

  /** Seconds to rebuild one 96 MiB disk: {@code MB/s per disk = 100.66 / score}. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public Object rebuildOneDisk(RebuildState s) {
    return s.array.rebuild(Progress.Listener.NONE, 0);
  }
}
