package io.datawarehouse.bench.tamperproof;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;

/** Scratch files of the tamperproof benchmarks: the plain baseline write, and clean-up. */
final class BenchFiles {
  private BenchFiles() {}

  /**
   * The baseline of a durable record write: {@code data} into a new file number {@code n} under
   * {@code plain/xx/} (256 directories, made beforehand), written with FileChannel and forced.
   */
  static void writePlainForced(Path dir, long n, byte[] data) throws IOException {
    Path f = dir.resolve("plain").resolve(String.format("%02x", n & 255)).resolve(Long.toString(n));
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(data);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  /** Removes a benchmark's scratch directory (read-only WORM files included). */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
