package io.datawarehouse.raid;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Files whose reads or writes fail on chosen byte ranges: bad sectors on demand. */
public final class FaultyDevices implements BlockDeviceFactory {
  private final Map<String, List<long[]>> badWrites = new ConcurrentHashMap<>();
  private final Map<String, List<long[]>> badReads = new ConcurrentHashMap<>();

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

  private static boolean hits(List<long[]> ranges, long offset, int len) {
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
      public void write(long offset, byte[] buf, int off, int len) throws IOException {
        if (hits(badWrites.get(d.name()), offset, len)) {
          throw new IOException("injected write error at " + offset);
        }
        d.write(offset, buf, off, len);
      }

      @Override
      public void flush() throws IOException {
        d.flush();
      }

      @Override
      public void close() throws IOException {
        d.close();
      }
    };
  }
}
