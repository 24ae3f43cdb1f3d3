package io.datawarehouse.raid.internal.array;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The write-intent bitmap (as Linux md's): one byte per region of {@value #REGION} stripes, set and
 * forced to disk before the first write into a region, cleared after a flush has made every write
 * into it durable. After a crash, exactly the regions with a set byte may hold a stripe whose
 * parity disagrees with its data; they are resynced at the next open.
 *
 * <p>File: a 16-byte header (magic "DWIB", version, stripe count) then the region bytes. The
 * header is checked on open; the region bytes are single-byte writes, which cannot tear.
 *
 * <p>Clearing is epoch-based so that a write racing a flush is never cleared early: a region is
 * cleared only when no write into it is in flight and its last write completed before the flush
 * began.
 */
public final class IntentBitmap implements AutoCloseable {
  /** Stripes per region. */
  public static final int REGION = 8;
  private static final int MAGIC = FramedFile.magic("DWIB");
  private static final int HEADER = 16;

  private final Path file;
  private final FileChannel ch;
  private final byte[] onDisk;
  private final int[] inFlight;
  private final long[] lastDone;
  private long epoch = 1;

  private IntentBitmap(Path file, FileChannel ch, byte[] onDisk) {
    this.file = file;
    this.ch = ch;
    this.onDisk = onDisk;
    this.inFlight = new int[onDisk.length];
    this.lastDone = new long[onDisk.length];
  }

  /** Creates an all-clear bitmap for {@code stripes} stripes. */
  public static void create(Path file, long stripes) {
    int regions = (int) ((stripes + REGION - 1) / REGION);
    ByteBuffer b = ByteBuffer.allocate(HEADER + regions);
    b.putInt(MAGIC).putShort((short) 1).putShort((short) 0).putLong(stripes);
    AtomicFiles.write(file, b.array());
  }

  /** Opens the bitmap; INTEGRITY when its header does not match the array. */
  public static IntentBitmap open(Path file, long stripes) {
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      int regions = (int) ((stripes + REGION - 1) / REGION);
      ByteBuffer all = ByteBuffer.allocate(HEADER + regions);
      if (!AtomicFiles.readFully(ch, all, 0) || all.getInt(0) != MAGIC || all.getShort(4) != 1 || all.getLong(8) != stripes) {
        ch.close();
        throw DwException.integrity(file + ": not a write-intent bitmap for " + stripes + " stripes (bad header or size)");
      }
      byte[] bits = new byte[regions];
      System.arraycopy(all.array(), HEADER, bits, 0, regions);
      return new IntentBitmap(file, ch, bits);
    } catch (IOException e) {
      throw DwException.unavailable("cannot open " + file + ": " + e.getMessage(), e);
    }
  }

  /** Stripes whose region was dirty when the bitmap was opened (to resync). */
  public synchronized List<Long> dirtyStripes(long stripes) {
    List<Long> out = new ArrayList<>();
    for (int r = 0; r < onDisk.length; r++) {
      if (onDisk[r] != 0) {
        for (long s = (long) r * REGION; s < Math.min(stripes, (long) (r + 1) * REGION); s++) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** Before writing stripe {@code s}: marks its region dirty (durably, if it was clean). */
  public synchronized void begin(long s) throws IOException {
    int r = (int) (s / REGION);
    inFlight[r]++;
    if (onDisk[r] == 0) {
      onDisk[r] = 1;
      ch.write(ByteBuffer.wrap(new byte[] {1}), HEADER + r);
      ch.force(false);
    }
  }

  /** After the writes of stripe {@code s} returned. */
  public synchronized void end(long s) {
    int r = (int) (s / REGION);
    inFlight[r]--;
    lastDone[r] = epoch;
  }

  /** Starts a flush: returns the epoch to pass to {@link #clearUpTo} once the devices are flushed. */
  public synchronized long startFlush() {
    return epoch++;
  }

  /** Clears the regions whose writes all completed in epochs up to {@code flushEpoch}. */
  public synchronized void clearUpTo(long flushEpoch) throws IOException {
    boolean changed = false;
    for (int r = 0; r < onDisk.length; r++) {
      if (onDisk[r] != 0 && inFlight[r] == 0 && lastDone[r] <= flushEpoch) {
        onDisk[r] = 0;
        ch.write(ByteBuffer.wrap(new byte[] {0}), HEADER + r);
        changed = true;
      }
    }
    if (changed) {
      ch.force(false);
    }
  }

  /** Marks every region dirty (a full resync at the next open). */
  public synchronized void markAll() throws IOException {
    java.util.Arrays.fill(onDisk, (byte) 1);
    ch.write(ByteBuffer.wrap(onDisk), HEADER);
    ch.force(false);
  }

  public Path file() {
    return file;
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }

  static boolean exists(Path file) {
    return Files.exists(file);
  }
}
