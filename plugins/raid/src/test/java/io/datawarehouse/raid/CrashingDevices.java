package io.datawarehouse.raid;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Files that stop taking writes after a chosen number of them, as if the process died there: the
 * write that crosses the budget, and every later one on any device of this factory, throws {@link
 * SimulatedCrash} (an {@link Error}, so no I/O error handling of the array catches it and nothing
 * else reaches the disks). Test the state left behind by abandoning the array and reopening it.
 */
public final class CrashingDevices implements BlockDeviceFactory {
  private final AtomicLong budget = new AtomicLong(Long.MAX_VALUE);

  /** The process "dies" here. */
  public static final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;

    SimulatedCrash(String message) {
      super(message);
    }
  }

  /** The next {@code writes} device writes succeed; the one after crashes. */
  public void crashAfter(long writes) {
    budget.set(writes);
  }

  /** No crash (after the reopen). */
  public void disarm() {
    budget.set(Long.MAX_VALUE);
  }

  @Override
  public BlockDevice open(Path path) throws IOException {
    return wrap(FileBlockDevice.open(path));
  }

  @Override
  public BlockDevice create(Path path, long size) throws IOException {
    return wrap(FileBlockDevice.create(path, size));
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
        d.read(offset, buf, off, len);
      }

      @Override
      public void write(long offset, byte[] buf, int off, int len) throws IOException {
        if (budget.getAndUpdate(b -> b <= 0 ? 0 : b - 1) <= 0) {
          throw new SimulatedCrash("simulated crash before writing " + len + " bytes at " + offset + " of " + d.name());
        }
        d.write(offset, buf, off, len);
      }

      @Override
      public void flush() throws IOException {
        if (budget.get() <= 0) {
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
