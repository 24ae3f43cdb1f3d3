package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * File helpers beside the SDK's {@link AtomicFiles}: unforced atomic replacements for files derived
 * from durable state, and read-only permissions.
 */
public final class DurableFiles {
  private DurableFiles() {}

  /**
   * Replaces {@code target} with {@code data} atomically (temporary file, rename) but without
   * forcing anything to disk: for files derived from durable state, which are checked and rebuilt
   * after a crash.
   */
  public static void replaceUnforced(Path target, byte[] data) {
    Path tmp = target.resolveSibling(AtomicFiles.TEMP_PREFIX + target.getFileName() + "-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      Files.write(tmp, data, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /** Makes {@code file} read-only for everyone (POSIX r--r--r--, or the DOS read-only flag). */
  public static void makeReadOnly(Path file) {
    try {
      if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
      } else if (!file.toFile().setReadOnly()) {
        throw new IOException("the file system refused the read-only flag");
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot make " + file + " read-only: " + e.getMessage(), e);
    }
  }
}
