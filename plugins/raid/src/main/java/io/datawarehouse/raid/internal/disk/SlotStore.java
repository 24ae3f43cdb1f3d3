package io.datawarehouse.raid.internal.disk;

import io.datawarehouse.raid.BlockDevice;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.FramedFile;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A small record kept crash-safe inside a device region of two slots: generation {@code g} goes
 * to slot {@code g % 2}, framed ({@link FramedFile}: magic, version, length, CRC32C) with the
 * generation as the first 8 bytes of the body, and forced. A crash tears at most the slot being
 * written; the other still holds the previous generation. Reading takes the valid slot with the
 * higher generation.
 *
 * <p>The frame's version is the format version of the payload: records of versions {@code 1 ..
 * maxVersion} are read (the caller interprets the version); a valid record of a newer version is
 * refused with an {@link IOException} that says so, rather than being taken for a torn slot.
 */
public final class SlotStore {
  private final long offset;
  private final int slotSize;
  private final int magic;
  private final int maxVersion;

  public SlotStore(long offset, int slotSize, int magic, int maxVersion) {
    this.offset = offset;
    this.slotSize = slotSize;
    this.magic = magic;
    this.maxVersion = maxVersion;
  }

  /** A generation, the format version of its payload, and the payload. */
  public record Slot(long generation, int version, byte[] payload) {}

  /** Writes {@code payload} as {@code generation} in format {@code version} and forces the device. */
  public void write(BlockDevice dev, long generation, int version, byte[] payload) throws IOException {
    byte[] body = ByteBuffer.allocate(8 + payload.length).putLong(generation).put(payload).array();
    byte[] framed = FramedFile.frame(magic, version, body);
    if (framed.length > slotSize) {
      throw DwException.internal(dev.name() + ": metadata record of " + framed.length + " bytes does not fit its " + slotSize + "-byte slot", null);
    }
    byte[] slot = new byte[slotSize];
    System.arraycopy(framed, 0, slot, 0, framed.length);
    dev.write(offset + (generation & 1) * slotSize, slot, 0, slotSize);
    dev.flush();
  }

  /**
   * The newest valid slot, or null when neither slot holds a valid record.
   *
   * @throws IOException when the newest valid record has a format version newer than {@code
   *     maxVersion} (written by a newer build), or the device fails
   */
  public Slot read(BlockDevice dev) throws IOException {
    Slot best = null;
    for (int i = 0; i < 2; i++) {
      Slot s = readSlot(dev, i);
      if (s != null && (best == null || s.generation() > best.generation())) {
        best = s;
      }
    }
    if (best != null && best.version() > maxVersion) {
      throw new IOException(dev.name() + ": metadata record (magic " + String.format("0x%08x", magic) + ", generation " + best.generation()
          + ") has format version " + best.version() + "; this build reads versions 1.." + maxVersion + " (written by a newer DataWarehouse: upgrade to open it)");
    }
    return best;
  }

  private Slot readSlot(BlockDevice dev, int i) throws IOException {
    byte[] slot = new byte[slotSize];
    try {
      dev.read(offset + (long) i * slotSize, slot, 0, slotSize);
    } catch (java.io.EOFException e) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(slot);
    if (b.getInt(0) != magic) {
      return null;
    }
    long len = b.getLong(8);
    if (len < 8 || len > slotSize - FramedFile.OVERHEAD) {
      return null;
    }
    byte[] framed = new byte[(int) len + FramedFile.OVERHEAD];
    System.arraycopy(slot, 0, framed, 0, framed.length);
    try {
      FramedFile.Frame frame = FramedFile.unframe(dev.name(), framed, magic, 1, 0xFFFF);
      byte[] body = frame.body();
      ByteBuffer bb = ByteBuffer.wrap(body);
      long gen = bb.getLong();
      byte[] payload = new byte[body.length - 8];
      bb.get(payload);
      return new Slot(gen, frame.version(), payload);
    } catch (DwException e) {
      return null;
    }
  }
}
