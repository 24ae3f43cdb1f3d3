package io.datawarehouse.raid;

import java.io.IOException;

/**
 * A device addressed by byte offset and length: a member disk of an array (a file or a real block
 * device, see {@link FileBlockDevice}), or any other layer that stores bytes. Offsets are absolute;
 * nothing is cached above the device, so another block device can sit beneath RAID without
 * changing the array code.
 *
 * <p>An {@link IOException} means the device failed the request (a bad sector, a vanished file);
 * the array counts it against the disk and serves the data from redundancy.
 *
 * <p>Implementations are thread-safe for requests on different ranges.
 */
public interface BlockDevice extends AutoCloseable {

  /** A name for messages and status (usually the path). */
  String name();

  /** Size in bytes. */
  long size() throws IOException;

  /**
   * Reads exactly {@code len} bytes at {@code offset} into {@code buf[off..off+len)}.
   *
   * @throws IOException on a device error or when the range lies past the end of the device
   */
  void read(long offset, byte[] buf, int off, int len) throws IOException;

  /**
   * Reads {@code bufs.length * len} bytes from {@code offset} into the slices {@code bufs[i][offs[i]
   * .. +len)}, one after the other (a scattering read, so that a caller need not copy them apart
   * afterwards). The default reads them one by one.
   *
   * @throws IOException on a device error or when the range lies past the end of the device
   */
  default void read(long offset, byte[][] bufs, int[] offs, int len) throws IOException {
    for (int i = 0; i < bufs.length; i++) {
      read(offset + (long) i * len, bufs[i], offs[i], len);
    }
  }

  /** Writes {@code buf[off..off+len)} at {@code offset}. Durable only after {@link #flush()}. */
  void write(long offset, byte[] buf, int off, int len) throws IOException;

  /**
   * Writes the slices {@code bufs[i][offs[i] .. +len)} one after the other from {@code offset} (a
   * gathering write, so that a caller need not copy them together first). The default writes them
   * one by one.
   */
  default void write(long offset, byte[][] bufs, int[] offs, int len) throws IOException {
    for (int i = 0; i < bufs.length; i++) {
      write(offset + (long) i * len, bufs[i], offs[i], len);
    }
  }

  /** Makes every completed write durable. */
  void flush() throws IOException;

  @Override
  void close() throws IOException;
}
