package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import java.nio.file.Path;

/**
 * Whole-file durable writes through {@link AtomicFiles}, flushing the content before the SDK forces
 * the file.
 *
 * <p>Why this exists: {@code AtomicFiles.write(Path, byte[])} (and so {@code FramedFile.write})
 * hands its writer a buffered stream that it never flushes, so content smaller than the 64 KiB
 * buffer is lost and the file is renamed into place empty. Writing through the {@code
 * ContentWriter} overload and flushing inside it avoids that. Replace the calls with the SDK's own
 * once the SDK flushes.
 */
final class DurableFiles {
  private DurableFiles() {}

  /** Atomically and durably replaces {@code target} with {@code data}. */
  static void write(Path target, byte[] data) {
    AtomicFiles.write(target, out -> {
      out.write(data);
      out.flush();
    });
  }

  /** {@link FramedFile#write}, durably. */
  static void writeFramed(Path target, int magic, int version, byte[] body) {
    write(target, FramedFile.frame(magic, version, body));
  }
}
