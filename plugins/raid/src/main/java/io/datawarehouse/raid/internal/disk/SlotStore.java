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
 */
public final class SlotStore {
  private final long offset;
  private final int slotSize;
  private final int magic;

  public SlotStore(long offset, int slotSize, int magic) {
    this.offset = offset;
    this.slotSize = slotSize;
    this.magic = magic;
  }

  /** A generation and its payload. */
  public record Slot(long generation, byte[] payload) {}

  /** Writes {@code payload} as {@code generation} and forces the device. */
  public void write(BlockDevice dev, long generation, byte[] payload) throws IOException {
    byte[] body = ByteBuffer.allocate(8 + payload.length).putLong(generation).put(payload).array();
    byte[] framed = FramedFile.frame(magic, 1, body);
    if (framed.length > slotSize) {
      throw DwException.internal(dev.name() + ": metadata record of " + framed.length + " bytes does not fit its " + slotSize + "-byte slot", null);
    }
    byte[] slot = new byte[slotSize];
    System.arraycopy(framed, 0, slot, 0, framed.length);
    dev.write(offset + (generation & 1) * slotSize, slot, 0, slotSize);
    dev.flush();
  }

  /** The newest valid slot, or null when neither slot holds a valid record. */
  public Slot read(BlockDevice dev) throws IOException {
    Slot best = null;
    for (int i = 0; i < 2; i++) {
      Slot s = readSlot(dev, i);
      if (s != null && (best == null || s.generation() > best.generation())) {
        best = s;
      }
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
      byte[] body = FramedFile.unframe(dev.name(), framed, magic, 1, 1).body();
      ByteBuffer bb = ByteBuffer.wrap(body);
      long gen = bb.getLong();
      byte[] payload = new byte[body.length - 8];
      bb.get(payload);
      return new Slot(gen, payload);
    } catch (DwException e) {
      return null;
    }
  }
}
