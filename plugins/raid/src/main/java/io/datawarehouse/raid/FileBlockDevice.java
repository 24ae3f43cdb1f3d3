package io.datawarehouse.raid;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
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

  /**
   * With {@code -Ddw.raid.mmapReads=true}, reads go through read-only memory mappings of the file
   * (one copy out of the page cache, no system call); writes always go through the channel, and
   * on Linux both see the same page cache. Off by default: a media error or a file cut short under
   * a mapping is a SIGBUS, which the JVM turns into an {@link InternalError} that compiled code may
   * raise after the access, outside any handler (seen in CI), so an I/O error would not reliably
   * become the read error the array repairs from redundancy.
   */
  private static final boolean MMAP_READS = "true".equals(System.getProperty("dw.raid.mmapReads"));
  /** Bytes per mapping (a {@code MappedByteBuffer} holds at most 2 GiB). */
  private static final int MAP_CHUNK = 1 << 30;
  private volatile MappedByteBuffer[] maps;
  private volatile boolean mappedReads = MMAP_READS;

  private FileBlockDevice(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  /**
   * The mapping holding {@code [offset, offset+len)} whole, or null (mapping off, the range crosses
   * a chunk or lies past the size at the first read): the caller then reads through the channel.
   */
  private MappedByteBuffer mapFor(long offset, int len) throws IOException {
    if (!mappedReads) {
      return null;
    }
    MappedByteBuffer[] m = maps;
    if (m == null) {
      synchronized (this) {
        if (maps == null) {
          long size = channel.size();
          MappedByteBuffer[] fresh = new MappedByteBuffer[(int) ((size + MAP_CHUNK - 1) / MAP_CHUNK)];
          for (int i = 0; i < fresh.length; i++) {
            long at = (long) i * MAP_CHUNK;
            fresh[i] = channel.map(FileChannel.MapMode.READ_ONLY, at, Math.min(MAP_CHUNK, size - at));
          }
          maps = fresh;
        }
        m = maps;
      }
    }
    int chunk = (int) (offset / MAP_CHUNK);
    int at = (int) (offset % MAP_CHUNK);
    if (offset < 0 || chunk >= m.length || (long) at + len > m[chunk].capacity()) {
      return null;
    }
    return m[chunk];
  }

  /** Copies from a mapping; a file cut short under the mapping (SIGBUS) becomes an IOException. */
  private boolean readMapped(long offset, byte[] buf, int off, int len) throws IOException {
    MappedByteBuffer m = mapFor(offset, len);
    if (m == null) {
      return false;
    }
    if (!channel.isOpen()) {
      throw new java.nio.channels.ClosedChannelException();
    }
    if (offset + len > channel.size()) {
      throw new IOException(path + ": read of " + len + " bytes at " + offset + " failed: the file was cut short to "
          + channel.size() + " bytes under its mapping");
    }
    try {
      m.get((int) (offset % MAP_CHUNK), buf, off, len);
    } catch (InternalError e) {
      throw new IOException(path + ": read of " + len + " bytes at " + offset + " failed (file cut short?)", e);
    }
    return true;
  }

  /** Turns mapped reads on or off for this device (the default comes from {@code dw.raid.mmapReads}). */
  void useMappedReads(boolean on) {
    mappedReads = on;
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
    if (readMapped(offset, buf, off, len)) {
      return;
    }
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
    if (total <= Integer.MAX_VALUE && mapFor(offset, (int) total) != null) {
      for (int i = 0; i < bufs.length; i++) {
        readMapped(offset + (long) i * len, bufs[i], offs[i], len);
      }
      return;
    }
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
