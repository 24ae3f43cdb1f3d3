package io.datawarehouse.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * An object being read: its info and a stream of its bytes (the whole object or the requested
 * range). Close it to release the connection or file.
 *
 * <p>When the whole object is read, the stream verifies the content against the stored SHA-256 as
 * it reaches the end: a mismatch throws a {@link io.datawarehouse.sdk.DwException} INTEGRITY from
 * {@code read} at the end of the data, so a caller that reads to the end never accepts corrupt
 * bytes silently. Not thread-safe.
 *
 * @param info the object's info
 * @param stream its bytes
 * @param offset where the stream starts in the object
 * @param length how many bytes the stream delivers
 */
public record ObjectContent(ObjectInfo info, InputStream stream, long offset, long length) implements AutoCloseable {

  /** Reads everything left (for small objects). */
  public byte[] readAllBytes() {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading '" + info.key() + "'", e);
    }
  }

  @Override
  public void close() {
    try {
      stream.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing '" + info.key() + "'", e);
    }
  }
}
