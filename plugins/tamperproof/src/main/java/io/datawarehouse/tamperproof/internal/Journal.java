package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The ledger's write-ahead journal: a preallocated file that makes a ledger entry, and the bytes of
 * the small record it commits, durable with one {@code fdatasync}.
 *
 * <p>Why: a durable record write otherwise needs two ordered forces (the data file with its
 * directory entry, then the ledger entry that commits it), each a file-system journal commit
 * because each file grows. The journal file is written with zeros to its full length when it is
 * created, so a frame written into it changes no file metadata, and forcing it is a plain data
 * flush. The record's data file and the ledger file are written (not forced) right after; they are
 * forced together, many records at a time, before the journal is {@linkplain #reset reused}. After a
 * crash the frames of the current generation say what the ledger and the data files must hold.
 *
 * <pre>
 *   header (offset 0, 32 bytes): u32 magic "DWTJ", u16 version (1), u16 0, u64 generation,
 *                                u64 base (the ledger size when this generation began), u32 0,
 *                                u32 CRC32C of the 28 bytes before
 *   frames from offset 4096:     u32 body length, u32 CRC32C of (generation || length || body), body
 *   body:                        u64 ledger index, u32 entry length, entry,
 *                                u16 record id length (0: no record bytes), id (UTF-8),
 *                                u32 content length, content (only with an id)
 * </pre>
 *
 * All integers big-endian. A frame belongs to the journal only when its checksum, which covers the
 * header's generation, holds and its index follows the one before; reading stops at the first frame
 * that does not (a torn frame, or one left from an earlier generation). Each {@link #reset} draws a
 * new random generation, so frames of earlier generations never read back as current.
 *
 * <p>Not thread-safe: the ledger appends under its lock; {@link #force} may run concurrently.
 */
public final class Journal implements AutoCloseable {
  /** The journal's file name in the ledger directory. */
  public static final String FILE = "journal.log";
  /** Default capacity: frames of this many bytes fit before the journal is reset. */
  public static final long DEFAULT_CAPACITY = 16L << 20;
  static final int MAGIC = 0x4457544A; // "DWTJ"
  private static final int VERSION = 1;
  static final int HEADER = 32;
  static final int FRAMES_START = 4096;
  private static final int FRAME_HEADER = 8;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A frame read back: the ledger entry at {@code index}, and the record bytes it committed, if any. */
  public record Frame(long index, byte[] entry, String recordId, byte[] content) {}

  private final Path file;
  private final InterruptSafeChannel ch;
  private final long capacity;
  private long generation;
  private long base;
  private long end;
  private long frames;

  private Journal(Path file, FileChannel ch, long capacity, long generation, long base, long end, long frames) {
    this.file = file;
    this.ch = new InterruptSafeChannel(file, ch);
    this.capacity = capacity;
    this.generation = generation;
    this.base = base;
    this.end = end;
    this.frames = frames;
  }

  /**
   * Opens the journal at {@code file}, creating it (zero-filled to {@code capacity}, durably) when
   * missing, and returns it with the frames of its current generation.
   *
   * @param ledgerSize the ledger's size, the base of a journal created here
   */
  public static Opened open(Path file, long capacity, long ledgerSize) {
    if (capacity < FRAMES_START + 2L * AppendLog.MAX_RECORD || capacity > Integer.MAX_VALUE) {
      throw DwException.invalidArgument("the journal's capacity must be " + (FRAMES_START + 2L * AppendLog.MAX_RECORD)
          + ".." + Integer.MAX_VALUE + " bytes, not " + capacity);
    }
    try {
      if (!Files.exists(file)) {
        create(file, capacity);
      }
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      try {
        long size = ch.size();
        if (size < capacity) {
          zeroFill(ch, size, capacity); // a journal made with a smaller capacity: grow it, still preallocated
          ch.force(true);
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
        AtomicFiles.readFully(ch, h, 0);
        List<Frame> read = new ArrayList<>();
        long generation;
        long base;
        long end = FRAMES_START;
        if (!validHeader(h)) {
          // torn while a reset rewrote it (everything before was forced by then) or never written
          generation = 0;
          base = ledgerSize;
        } else {
          generation = h.getLong(8);
          base = h.getLong(16);
          end = scan(ch, Math.max(size, capacity), generation, base, read);
        }
        Journal j = new Journal(file, ch, Math.max(size, capacity), generation, base, end, read.size());
        if (generation == 0) {
          j.reset(ledgerSize);
        }
        return new Opened(j, List.copyOf(read), base);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot open the journal " + file + ": " + e.getMessage(), e);
    }
  }

  /** What {@link #open} found: the journal, its frames, and the ledger index its first frame has. */
  public record Opened(Journal journal, List<Frame> frames, long base) {}

  /** Reads the frames of the journal at {@code file} without opening it for writing (for audits). */
  public static List<Frame> read(Path file) {
    List<Frame> out = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
      AtomicFiles.readFully(ch, h, 0);
      if (!validHeader(h)) {
        return out;
      }
      scan(ch, ch.size(), h.getLong(8), h.getLong(16), out);
      return out;
    } catch (java.nio.file.NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read the journal " + file + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code h}, as read from offset 0 (position = bytes read), is a whole, intact header of this version. */
  private static boolean validHeader(ByteBuffer h) {
    return h.position() == HEADER && h.getInt(0) == MAGIC && h.getShort(4) == VERSION && h.getInt(28) == crc(h.array(), 0, 28);
  }

  private static long scan(FileChannel ch, long size, long generation, long base, List<Frame> out) throws IOException {
    long at = FRAMES_START;
    ByteBuffer fh = ByteBuffer.allocate(FRAME_HEADER).order(ByteOrder.BIG_ENDIAN);
    while (at + FRAME_HEADER <= size) {
      fh.clear();
      if (!AtomicFiles.readFully(ch, fh, at)) {
        break;
      }
      int len = fh.getInt(0);
      if (len < 8 + 4 + 2 || at + FRAME_HEADER + len > size) {
        break;
      }
      ByteBuffer body = ByteBuffer.allocate(len).order(ByteOrder.BIG_ENDIAN);
      if (!AtomicFiles.readFully(ch, body, at + FRAME_HEADER) || fh.getInt(4) != frameCrc(generation, len, body.array())) {
        break;
      }
      Frame f = parse(body.array());
      if (f == null || f.index() != base + out.size()) {
        break;
      }
      out.add(f);
      at += FRAME_HEADER + len;
    }
    return at;
  }

  private static Frame parse(byte[] b) {
    ByteBuffer body = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
    try {
      long index = body.getLong();
      byte[] entry = new byte[body.getInt()];
      body.get(entry);
      int idLen = Short.toUnsignedInt(body.getShort());
      if (idLen == 0) {
        return body.hasRemaining() ? null : new Frame(index, entry, null, null);
      }
      byte[] id = new byte[idLen];
      body.get(id);
      byte[] content = new byte[body.getInt()];
      body.get(content);
      return body.hasRemaining() ? null : new Frame(index, entry, new String(id, StandardCharsets.UTF_8), content);
    } catch (RuntimeException e) {
      return null; // lengths that do not add up: not a frame
    }
  }

  private static void create(Path file, long capacity) throws IOException {
    Path tmp = file.resolveSibling(AtomicFiles.TEMP_PREFIX + file.getFileName());
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      zeroFill(ch, 0, capacity);
      ch.force(true);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    AtomicFiles.fsyncDirectory(file.getParent());
  }

  private static void zeroFill(FileChannel ch, long from, long to) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
    for (long at = from; at < to; at += zeros.capacity()) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
      AtomicFiles.writeFully(ch, zeros, at);
    }
  }

  /** Bytes a frame of this entry and content takes. */
  static long frameSize(byte[] entry, byte[] recordId, byte[] content) {
    return FRAME_HEADER + 8 + 4 + entry.length + 2 + (recordId == null ? 0 : recordId.length + 4 + content.length);
  }

  /** Whether a frame of {@code frameSize} bytes fits before the end. */
  public boolean fits(long frameSize) {
    return end + frameSize <= capacity;
  }

  /** Whether a frame of {@code frameSize} bytes would fit even in an empty journal. */
  public boolean everFits(long frameSize) {
    return FRAMES_START + frameSize <= capacity;
  }

  /** Number of frames written since the last reset. */
  public long frames() {
    return frames;
  }

  /** The journal file. */
  public Path file() {
    return file;
  }

  /**
   * Writes a frame (not forced: see {@link #force}). On failure nothing counts as written: the next
   * frame goes to the same place.
   *
   * @param recordId the record whose bytes {@code content} are, or null for an entry alone
   */
  public void append(long index, byte[] entry, String recordId, byte[] content) throws IOException {
    byte[] id = recordId == null ? null : recordId.getBytes(StandardCharsets.UTF_8);
    long size = frameSize(entry, id, content);
    if (!fits(size)) {
      throw new IllegalStateException("the journal is full; reset it first");
    }
    if (index != base + frames) {
      throw new IllegalStateException("journal frame " + index + " out of order: expected " + (base + frames));
    }
    int len = (int) size - FRAME_HEADER;
    ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.BIG_ENDIAN);
    buf.putInt(len).putInt(0).putLong(index).putInt(entry.length).put(entry);
    if (id == null) {
      buf.putShort((short) 0);
    } else {
      buf.putShort((short) id.length).put(id).putInt(content.length).put(content);
    }
    buf.putInt(4, frameCrc(generation, len, buf.array(), FRAME_HEADER, len));
    buf.flip();
    long at = end;
    io(c -> {
      buf.rewind();
      AtomicFiles.writeFully(c, buf, at);
    });
    end += size;
    frames++;
  }

  /** Forces every frame written so far to disk (data only: the file never grows). */
  public void force() throws IOException {
    io(c -> c.force(false));
  }

  /**
   * Starts a new, empty generation whose first frame will be ledger entry {@code newBase}: a new
   * header, forced. The caller has made everything the old frames describe durable elsewhere.
   */
  public void reset(long newBase) throws IOException {
    long g;
    do {
      g = RANDOM.nextLong();
    } while (g == 0 || g == generation);
    ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
    h.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putLong(g).putLong(newBase).putInt(0);
    h.putInt(crc(h.array(), 0, 28));
    h.flip();
    io(c -> {
      h.rewind();
      AtomicFiles.writeFully(c, h, 0);
      c.force(false);
    });
    generation = g;
    base = newBase;
    end = FRAMES_START;
    frames = 0;
  }

  private static int crc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  private static int frameCrc(long generation, int len, byte[] body) {
    return frameCrc(generation, len, body, 0, body.length);
  }

  private static int frameCrc(long generation, int len, byte[] b, int off, int n) {
    CRC32C c = new CRC32C();
    c.update(ByteBuffer.allocate(12).order(ByteOrder.BIG_ENDIAN).putLong(0, generation).putInt(8, len));
    c.update(b, off, n);
    return (int) c.getValue();
  }

  private void io(VoidOp op) throws IOException {
    ch.io(c -> {
      op.run(c);
      return null;
    });
  }

  @FunctionalInterface
  private interface VoidOp {
    void run(FileChannel c) throws IOException;
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
