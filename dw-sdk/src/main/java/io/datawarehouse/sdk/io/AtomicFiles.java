package io.datawarehouse.sdk.io;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Crash-safe file replacement, the project's rule for any file that must survive a crash: write
 * to a temporary name in the same directory, force it to disk, rename it into place atomically,
 * then force the directory so the rename itself is durable. After a crash a reader sees either
 * the old file or the new one, never a torn mix.
 *
 * <p>Thread-safe for different targets; concurrent writers of the same target race (last rename
 * wins), which callers must prevent.
 */
public final class AtomicFiles {
  /** Prefix of temporary files; a leftover one is an interrupted write and may be deleted. */
  public static final String TEMP_PREFIX = ".dwtmp-";

  private AtomicFiles() {}

  /** Writer of a file's content. */
  @FunctionalInterface
  public interface ContentWriter {
    void write(OutputStream out) throws IOException;
  }

  /** Atomically and durably replaces {@code target} with {@code data}. */
  public static void write(Path target, byte[] data) {
    write(target, out -> out.write(data));
  }

  /**
   * Atomically and durably replaces {@code target} with what {@code writer} writes. The parent
   * directory is created when missing. On failure the target is unchanged and the temporary file
   * removed.
   *
   * @throws DwException UNAVAILABLE (disk full, permissions) naming the file
   */
  public static void write(Path target, ContentWriter writer) {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = dir.resolve(TEMP_PREFIX + target.getFileName() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      Files.createDirectories(dir);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        java.io.BufferedOutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024) {
          @Override
          public void close() throws IOException {
            flush(); // the channel is closed below, after force
          }
        };
        writer.write(out);
        out.flush();
        ch.force(true);
      }
      move(tmp, target);
      fsyncDirectory(dir);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof DwException dw) {
        throw dw;
      }
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  private static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system of " + target + " cannot rename atomically", e);
    }
  }

  /**
   * Forces a directory's entries (creations, renames, deletions) to disk. A no-op where the
   * platform cannot open directories (Windows).
   */
  public static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows")) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "cannot force directory " + dir + " to disk: " + e.getMessage(), e);
      }
    }
  }

  /** Reads a whole file; NOT_FOUND when it does not exist. */
  public static byte[] readAll(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw DwException.of(ErrorCode.NOT_FOUND, "no such file: " + file, e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code buf} fully at {@code position}. */
  public static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      pos += ch.write(buf, pos);
    }
  }

  /**
   * Reads exactly {@code buf.remaining()} bytes at {@code position}.
   *
   * @return false when the file ended first (the buffer is then partly filled)
   */
  public static boolean readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        return false;
      }
      pos += n;
    }
    return true;
  }

  /** Deletes leftover temporary files of interrupted writes in {@code dir}; returns how many. */
  public static int cleanTemporaryFiles(Path dir) {
    int n = 0;
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (var s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().startsWith(TEMP_PREFIX)) {
          Files.deleteIfExists(p);
          n++;
        }
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot clean temporary files in " + dir + ": " + e.getMessage(), e);
    }
    return n;
  }
}
