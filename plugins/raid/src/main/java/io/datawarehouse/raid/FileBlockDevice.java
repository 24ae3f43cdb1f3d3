package io.datawarehouse.raid;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link BlockDevice} on a {@link FileChannel} with positional I/O: a plain file (the disk
 * images of a test or a small array) or a real block device such as {@code /dev/sdb}. Positional
 * reads and writes do not move a shared file pointer, so concurrent requests on different ranges
 * need no lock.
 */
public final class FileBlockDevice implements BlockDevice {
  private final Path path;
  private final FileChannel channel;
  private final Object gatherLock = new Object();
  /** Largest scattering read made with one request ({@link #read(long, byte[][], int[], int)}). */
  private static final int SCATTER_MAX = 4 << 20;
  private static final ThreadLocal<ByteBuffer> SCATTER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(64 << 10));

  private FileBlockDevice(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  /** Opens an existing file or device for reading and writing. */
  public static FileBlockDevice open(Path path) throws IOException {
    return new FileBlockDevice(path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
  }

  /**
   * Creates a new file of {@code size} bytes (sparse where the file system allows), failing when
   * it exists.
   */
  public static FileBlockDevice create(Path path, long size) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      if (size > 0) {
        ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
      }
      return new FileBlockDevice(path, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public String name() {
    return path.toString();
  }

  @Override
  public long size() throws IOException {
    return channel.size();
  }

  @Override
  public void read(long offset, byte[] buf, int off, int len) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(buf, off, len);
    long pos = offset;
    while (b.hasRemaining()) {
      int n = channel.read(b, pos);
      if (n < 0) {
        throw new EOFException(path + ": read of " + len + " bytes at " + offset + " ends past the end of the device (" + channel.size() + " bytes)");
      }
      pos += n;
    }
  }

  /**
   * One positional read ({@code pread}) of the whole range into a per-thread direct buffer, then
   * the slices are copied out of it. This is the copy the JDK makes anyway for a read into a heap
   * buffer (through its own temporary direct buffer), so the scattering read costs one system call
   * where slice-by-slice reads cost one each. (A real {@code readv} would need the channel's
   * position: an extra {@code lseek} per request and a lock, measured no faster.) Ranges above
   * {@value #SCATTER_MAX} bytes are read slice by slice.
   */
  @Override
  public void read(long offset, byte[][] bufs, int[] offs, int len) throws IOException {
    long total = (long) len * bufs.length;
    if (total > SCATTER_MAX) {
      BlockDevice.super.read(offset, bufs, offs, len);
      return;
    }
    ByteBuffer b = SCATTER.get();
    if (b.capacity() < total) {
      b = ByteBuffer.allocateDirect((int) Math.max(total, 2L * b.capacity()));
      SCATTER.set(b);
    }
    b.clear().limit((int) total);
    long pos = offset;
    while (b.hasRemaining()) {
      int n = channel.read(b, pos);
      if (n < 0) {
        throw new EOFException(path + ": read of " + total + " bytes at " + offset + " ends past the end of the device (" + channel.size() + " bytes)");
      }
      pos += n;
    }
    for (int i = 0; i < bufs.length; i++) {
      b.get(i * len, bufs[i], offs[i], len);
    }
  }

  @Override
  public void write(long offset, byte[] buf, int off, int len) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(buf, off, len);
    long pos = offset;
    while (b.hasRemaining()) {
      pos += channel.write(b, pos);
    }
  }

  /**
   * One gathering system call ({@code writev}) at the channel's position, which only gathering
   * writes use (positional reads and writes leave it alone), so they hold a lock for it.
   */
  @Override
  public void write(long offset, byte[][] bufs, int[] offs, int len) throws IOException {
    ByteBuffer[] b = new ByteBuffer[bufs.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = ByteBuffer.wrap(bufs[i], offs[i], len);
    }
    long total = (long) len * b.length;
    synchronized (gatherLock) {
      channel.position(offset);
      for (long done = 0; done < total; ) {
        done += channel.write(b);
      }
    }
  }

  @Override
  public void flush() throws IOException {
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "FileBlockDevice[" + path + "]";
  }
}
