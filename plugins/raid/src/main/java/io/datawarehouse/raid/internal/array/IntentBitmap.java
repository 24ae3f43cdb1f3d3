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
 * The write-intent bitmap (as Linux md's): one byte per region of stripes (at least {@value
 * #MIN_REGION_BYTES} bytes of array data, as md's bitmap chunks), set and forced to disk before the
 * first write into a region, cleared after a flush has made every write into it durable. After a crash, exactly the regions with a set byte may hold a stripe whose
 * parity disagrees with its data; they are resynced at the next open.
 *
 * <p>File: a 16-byte header (magic "DWIB", version, region size in stripes, stripe count) then the
 * region bytes. The
 * header is checked on open; the region bytes are single-byte writes, which cannot tear.
 *
 * <p>Clearing is epoch-based so that a write racing a flush is never cleared early: a region is
 * cleared only when no write into it is in flight and its last write completed before the flush
 * began.
 */
public final class IntentBitmap implements AutoCloseable {
  /** Array data per region, at least. */
  public static final long MIN_REGION_BYTES = 64L << 20;
  private static final int MAGIC = FramedFile.magic("DWIB");
  private static final int HEADER = 16;

  private final Path file;
  private final FileChannel ch;
  private final int region;
  private final byte[] onDisk;
  private final int[] inFlight;
  private final long[] lastDone;
  private long epoch = 1;

  private IntentBitmap(Path file, FileChannel ch, byte[] onDisk, int region) {
    this.file = file;
    this.region = region;
    this.ch = ch;
    this.onDisk = onDisk;
    this.inFlight = new int[onDisk.length];
    this.lastDone = new long[onDisk.length];
  }

  /** Creates an all-clear bitmap for {@code stripes} stripes of {@code stripeBytes} data each. */
  public static void create(Path file, long stripes, long stripeBytes) {
    int region = (int) Math.max(1, Math.min(1 << 20, (MIN_REGION_BYTES + stripeBytes - 1) / stripeBytes));
    int regions = (int) ((stripes + region - 1) / region);
    ByteBuffer b = ByteBuffer.allocate(HEADER + regions);
    b.putInt(MAGIC).putShort((short) 1).putShort((short) 0).putInt(region).putInt((int) stripes);
    AtomicFiles.write(file, b.array());
  }

  /** Opens the bitmap; INTEGRITY when its header does not match the array. */
  public static IntentBitmap open(Path file, long stripes) {
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      ByteBuffer head = ByteBuffer.allocate(HEADER);
      int region = 0;
      if (AtomicFiles.readFully(ch, head, 0) && head.getInt(0) == MAGIC && head.getShort(4) == 1 && head.getInt(12) == stripes) {
        region = head.getInt(8);
      }
      int regions = region <= 0 ? 0 : (int) ((stripes + region - 1) / region);
      ByteBuffer bits = ByteBuffer.allocate(regions);
      if (region <= 0 || !AtomicFiles.readFully(ch, bits, HEADER)) {
        ch.close();
        throw DwException.integrity(file + ": not a write-intent bitmap for " + stripes + " stripes (bad header or size)");
      }
      return new IntentBitmap(file, ch, bits.array(), region);
    } catch (IOException e) {
      throw DwException.unavailable("cannot open " + file + ": " + e.getMessage(), e);
    }
  }

  /** Stripes whose region was dirty when the bitmap was opened (to resync). */
  public synchronized List<Long> dirtyStripes(long stripes) {
    List<Long> out = new ArrayList<>();
    for (int r = 0; r < onDisk.length; r++) {
      if (onDisk[r] != 0) {
        for (long s = (long) r * region; s < Math.min(stripes, (long) (r + 1) * region); s++) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** Before writing stripe {@code s}: marks its region dirty (durably, if it was clean). */
  public synchronized void begin(long s) throws IOException {
    int r = (int) (s / region);
    inFlight[r]++;
    if (onDisk[r] == 0) {
      onDisk[r] = 1;
      ch.write(ByteBuffer.wrap(new byte[] {1}), HEADER + r);
      ch.force(false);
    }
  }

  /** After the writes of stripe {@code s} returned. */
  public synchronized void end(long s) {
    int r = (int) (s / region);
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
