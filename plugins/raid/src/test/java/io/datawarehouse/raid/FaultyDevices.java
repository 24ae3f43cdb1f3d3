package io.datawarehouse.raid;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Files whose reads or writes fail on chosen byte ranges (bad sectors on demand), and that can
 * stop taking writes after a chosen number of them, as if the process died there ({@link
 * #crashAfter}).
 */
public final class FaultyDevices implements BlockDeviceFactory {
  private final Map<String, List<long[]>> badWrites = new ConcurrentHashMap<>();
  private final Map<String, List<long[]>> badReads = new ConcurrentHashMap<>();
  private final AtomicLong writeBudget = new AtomicLong(Long.MAX_VALUE);

  /** The process "dies" here: an {@link Error}, so no I/O error handling of the array catches it. */
  public static final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;

    SimulatedCrash(String message) {
      super(message);
    }
  }

  /**
   * The next {@code writes} device writes succeed; the one after, and every later write or flush on
   * any device of this factory, throws {@link SimulatedCrash}, so nothing more reaches the disks.
   * Test the state left behind by abandoning the array and reopening it.
   */
  public void crashAfter(long writes) {
    writeBudget.set(writes);
  }

  /** No more crash (before the reopen). */
  public void disarm() {
    writeBudget.set(Long.MAX_VALUE);
  }

  /** Writes touching {@code [from, to)} of {@code path} fail. */
  public void failWrites(Path path, long from, long to) {
    badWrites.computeIfAbsent(path.toString(), k -> new CopyOnWriteArrayList<>()).add(new long[] {from, to});
  }

  /** Reads touching {@code [from, to)} of {@code path} fail. */
  public void failReads(Path path, long from, long to) {
    badReads.computeIfAbsent(path.toString(), k -> new CopyOnWriteArrayList<>()).add(new long[] {from, to});
  }

  public void heal() {
    badWrites.clear();
    badReads.clear();
  }

  @Override
  public BlockDevice open(Path path) throws IOException {
    return wrap(FileBlockDevice.open(path));
  }

  @Override
  public BlockDevice create(Path path, long size) throws IOException {
    return wrap(FileBlockDevice.create(path, size));
  }

  private static boolean hits(List<long[]> ranges, long offset, long len) {
    if (ranges == null) {
      return false;
    }
    for (long[] r : ranges) {
      if (offset < r[1] && offset + len > r[0]) {
        return true;
      }
    }
    return false;
  }

  private BlockDevice wrap(FileBlockDevice d) {
    return new BlockDevice() {
      @Override
      public String name() {
        return d.name();
      }

      @Override
      public long size() throws IOException {
        return d.size();
      }

      @Override
      public void read(long offset, byte[] buf, int off, int len) throws IOException {
        if (hits(badReads.get(d.name()), offset, len)) {
          throw new IOException("injected read error at " + offset);
        }
        d.read(offset, buf, off, len);
      }

      @Override
      public void read(long offset, byte[][] bufs, int[] offs, int len) throws IOException {
        if (hits(badReads.get(d.name()), offset, (long) len * bufs.length)) {
          throw new IOException("injected read error at " + offset);
        }
        d.read(offset, bufs, offs, len); // the device's own scattering read
      }

      @Override
      public void write(long offset, byte[] buf, int off, int len) throws IOException {
        if (writeBudget.getAndUpdate(b -> b <= 0 ? 0 : b - 1) <= 0) {
          throw new SimulatedCrash("simulated crash before writing " + len + " bytes at " + offset + " of " + d.name());
        }
        if (hits(badWrites.get(d.name()), offset, len)) {
          throw new IOException("injected write error at " + offset);
        }
        d.write(offset, buf, off, len);
      }

      @Override
      public void flush() throws IOException {
        if (writeBudget.get() <= 0) {
          throw new SimulatedCrash("simulated crash before flushing " + d.name());
        }
        d.flush();
      }

      @Override
      public void close() throws IOException {
        d.close();
      }
    };
  }
}
