package io.datawarehouse.streaming.log;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.Sink;
import io.datawarehouse.streaming.Source;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of records in a directory: each record gets the next offset (0, 1, 2...),
 * carries a timestamp and a per-record checksum, and can be read back from any offset. Embedded
 * pipelines read it as a replayable {@linkplain #source source} and write it as an exactly-once
 * {@linkplain #sink sink}.
 *
 * <h2>Format (version 1)</h2>
 *
 * <p>Segment files {@code <base offset, 20 digits>.seg}, each starting with a header:
 *
 * <pre>
 *   u32 magic "DWLG" | u16 version | u16 reserved | u64 base offset | u32 CRC32C of the 16 bytes before
 * </pre>
 *
 * then records, back to back:
 *
 * <pre>
 *   u32 payload length | u32 CRC32C of (offset, timestamp, payload) | u64 offset | u64 timestamp | payload
 * </pre>
 *
 * All integers big-endian. A segment is closed and a new one started when the next record would
 * take it past the segment size.
 *
 * <h2>Durability and recovery</h2>
 *
 * <p>{@link #append} buffers; {@link #flush} hands the buffer to the operating system (readers in
 * this process see it then), {@link #sync} also forces it to disk: a record is durable once a sync
 * that followed it returned. Opening a log scans its last segment: a record cut short by a crash
 * (incomplete, or failing its checksum with nothing but zeros or nothing after it) is a torn tail
 * and is cut off; any other bad record is corruption and fails with INTEGRITY naming the file and
 * offset. Every read checks each record's checksum and offset.
 *
 * <p>Thread-safe: one lock orders appends, reads and truncation; waiting readers are woken by
 * {@link #flush}.
 */
public final class DurableLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DurableLog.class);
  static final int MAGIC = 0x44574C47; // "DWLG"
  static final int VERSION = 1;
  static final int SEGMENT_HEADER = 20;
  static final int RECORD_HEADER = 24;
  static final String SUFFIX = ".seg";

  private final Path dir;
  private final Options options;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition grew = lock.newCondition();
  /** Segments by base offset. */
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private final ByteBuffer buffer;
  private final CRC32C crc = new CRC32C();
  private long nextOffset;
  /** Offsets below this have been handed to the OS (visible to readers). */
  private long flushedOffset;
  private boolean closed;

  /**
   * Sizes of a log.
   *
   * @param segmentBytes when a segment is rolled (a record larger than this gets a segment alone)
   * @param maxRecordBytes the largest payload accepted
   * @param bufferBytes append buffer; a full buffer is flushed
   */
  public record Options(long segmentBytes, int maxRecordBytes, int bufferBytes) {
    public Options {
      if (segmentBytes < 1024) {
        throw DwException.invalidArgument("segmentBytes must be >= 1024, was " + segmentBytes);
      }
      if (maxRecordBytes < 1 || maxRecordBytes > (1 << 30)) {
        throw DwException.invalidArgument("maxRecordBytes must be in 1..2^30, was " + maxRecordBytes);
      }
      if (bufferBytes < RECORD_HEADER) {
        throw DwException.invalidArgument("bufferBytes must be >= " + RECORD_HEADER + ", was " + bufferBytes);
      }
    }

    /** 64 MiB segments, 16 MiB records, a 256 KiB buffer. */
    public static Options defaults() {
      return new Options(64L << 20, 16 << 20, 256 << 10);
    }
  }

  /** One record read back. */
  public record Entry(long offset, long timestamp, byte[] payload) {}

  private static final class Segment {
    final long base;
    final Path file;
    final FileChannel channel;
    /** Bytes in the file (header included), as far as written to the channel. */
    long size;

    Segment(long base, Path file, FileChannel channel, long size) {
      this.base = base;
      this.file = file;
      this.channel = channel;
      this.size = size;
    }
  }

  private DurableLog(Path dir, Options options) {
    this.dir = dir;
    this.options = options;
    this.buffer = ByteBuffer.allocate(options.bufferBytes()).order(ByteOrder.BIG_ENDIAN);
  }

  /** Opens (or creates) the log in {@code dir} with default options. */
  public static DurableLog open(Path dir) {
    return open(dir, Options.defaults());
  }

  /**
   * Opens (or creates) the log in {@code dir}, cutting off a torn tail left by a crash.
   *
   * @throws DwException INTEGRITY naming the file when a segment is corrupt, UNAVAILABLE when the
   *     directory cannot be used
   */
  public static DurableLog open(Path dir, Options options) {
    DurableLog log = new DurableLog(dir, options);
    try {
      log.recover();
    } catch (IOException e) {
      log.closeQuietly();
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot open the log in " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      log.closeQuietly();
      throw e;
    }
    return log;
  }

  private void recover() throws IOException {
    Files.createDirectories(dir);
    AtomicFiles.cleanTemporaryFiles(dir);
    List<Path> files = new ArrayList<>();
    try (var s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().forEach(files::add);
    }
    for (Path f : files) {
      long base = parseBase(f);
      FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
      Segment seg = new Segment(base, f, ch, ch.size());
      segments.put(base, seg);
      checkHeader(seg);
    }
    if (segments.isEmpty()) {
      newSegment(0);
      nextOffset = 0;
    } else {
      Segment last = segments.lastEntry().getValue();
      nextOffset = scanTail(last);
    }
    flushedOffset = nextOffset;
  }

  private static long parseBase(Path f) {
    String n = f.getFileName().toString();
    try {
      return Long.parseLong(n.substring(0, n.length() - SUFFIX.length()));
    } catch (NumberFormatException e) {
      throw DwException.integrity(f + ": not a log segment name (expected <20 digits>" + SUFFIX + ")");
    }
  }

  private void checkHeader(Segment seg) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER);
    if (!AtomicFiles.readFully(seg.channel, h, 0)) {
      throw DwException.integrity(seg.file + ": segment header is incomplete (" + seg.size + " bytes)");
    }
    h.flip();
    int magic = h.getInt();
    int version = Short.toUnsignedInt(h.getShort());
    h.getShort();
    long base = h.getLong();
    int stored = h.getInt();
    CRC32C c = new CRC32C();
    c.update(h.array(), 0, 16);
    if (magic != MAGIC) {
      throw DwException.integrity(String.format("%s: header mismatch: actual magic=0x%08x vs expected magic=0x%08x",
          seg.file, magic, MAGIC));
    }
    if ((int) c.getValue() != stored) {
      throw DwException.integrity(seg.file + ": segment header checksum mismatch");
    }
    if (version != VERSION) {
      throw DwException.integrity(seg.file + ": log format version " + version + " is not supported (this build reads "
          + VERSION + ")");
    }
    if (base != seg.base) {
      throw DwException.integrity(seg.file + ": header says base offset " + base + " but the file name says " + seg.base);
    }
  }

  /** Scans the last segment, cuts a torn tail, returns the next offset. */
  private long scanTail(Segment seg) throws IOException {
    long pos = SEGMENT_HEADER;
    long offset = seg.base;
    long fileSize = seg.channel.size();
    ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER);
    while (pos < fileSize) {
      String problem = null;
      long recordEnd = fileSize;
      header.clear();
      if (!AtomicFiles.readFully(seg.channel, header, pos)) {
        problem = "an incomplete record header";
      } else {
        header.flip();
        int len = header.getInt();
        int stored = header.getInt();
        long recOffset = header.getLong();
        long ts = header.getLong();
        if (len < 0 || len > options.maxRecordBytes()) {
          problem = "a record length of " + len;
        } else if (pos + RECORD_HEADER + len > fileSize) {
          problem = "a record cut short (" + (fileSize - pos - RECORD_HEADER) + " of " + len + " payload bytes)";
        } else {
          recordEnd = pos + RECORD_HEADER + len;
          ByteBuffer payload = ByteBuffer.allocate(len);
          AtomicFiles.readFully(seg.channel, payload, pos + RECORD_HEADER);
          if (recOffset != offset) {
            problem = "offset " + recOffset + " where " + offset + " was expected";
          } else if (checksum(recOffset, ts, payload.array(), 0, len) != stored) {
            problem = "a checksum mismatch";
          }
        }
      }
      if (problem != null) {
        if (!onlyZerosAfter(seg, recordEnd, fileSize)) {
          throw DwException.integrity(seg.file + ": corrupt record at offset " + offset + " (byte " + pos + "): "
              + problem + ", followed by more data; this is not a torn tail, refusing to cut it");
        }
        LOG.warn("log {}: cutting a torn tail at offset {} (byte {} of {}): {} left by a crash", dir, offset, pos,
            fileSize, problem);
        seg.channel.truncate(pos);
        seg.channel.force(true);
        break;
      }
      pos = recordEnd;
      offset++;
    }
    seg.size = pos;
    return offset;
  }

  private static boolean onlyZerosAfter(Segment seg, long from, long to) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(64 * 1024);
    long pos = from;
    while (pos < to) {
      b.clear();
      b.limit((int) Math.min(b.capacity(), to - pos));
      int n = seg.channel.read(b, pos);
      if (n <= 0) {
        break;
      }
      for (int i = 0; i < n; i++) {
        if (b.get(i) != 0) {
          return false;
        }
      }
      pos += n;
    }
    return true;
  }

  private int checksum(long offset, long ts, byte[] payload, int from, int len) {
    crc.reset();
    ByteBuffer h = ByteBuffer.allocate(16).putLong(offset).putLong(ts);
    crc.update(h.array(), 0, 16);
    crc.update(payload, from, len);
    return (int) crc.getValue();
  }

  private Segment newSegment(long base) throws IOException {
    Path f = dir.resolve(String.format(Locale.ROOT, "%020d%s", base, SUFFIX));
    FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER);
    h.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putLong(base);
    CRC32C c = new CRC32C();
    c.update(h.array(), 0, 16);
    h.putInt((int) c.getValue());
    h.flip();
    AtomicFiles.writeFully(ch, h, 0);
    ch.force(true);
    AtomicFiles.fsyncDirectory(dir);
    Segment seg = new Segment(base, f, ch, SEGMENT_HEADER);
    segments.put(base, seg);
    return seg;
  }

  /** The directory of the log. */
  public Path directory() {
    return dir;
  }

  /**
   * Appends a record (buffered: see {@link #flush} and {@link #sync}).
   *
   * @return its offset
   * @throws DwException INVALID_ARGUMENT for a payload above the limit, UNAVAILABLE on I/O failure
   */
  public long append(byte[] payload, long timestamp) {
    if (payload.length > options.maxRecordBytes()) {
      throw DwException.invalidArgument("a log record of " + payload.length + " bytes is larger than the limit of "
          + options.maxRecordBytes() + " bytes");
    }
    lock.lock();
    try {
      ensureOpen();
      Segment seg = segments.lastEntry().getValue();
      long recordBytes = RECORD_HEADER + (long) payload.length;
      // roll a segment that would grow too big, unless it has no record yet
      if (seg.size + buffer.position() + recordBytes > options.segmentBytes() && seg.base != nextOffset) {
        writeBuffer();
        seg = newSegment(nextOffset);
      }
      if (buffer.remaining() < recordBytes) {
        writeBuffer();
      }
      long offset = nextOffset;
      int sum = checksum(offset, timestamp, payload, 0, payload.length);
      if (buffer.remaining() >= recordBytes) {
        buffer.putInt(payload.length).putInt(sum).putLong(offset).putLong(timestamp).put(payload);
      } else {
        // larger than the buffer: straight to the channel
        ByteBuffer b = ByteBuffer.allocate((int) recordBytes);
        b.putInt(payload.length).putInt(sum).putLong(offset).putLong(timestamp).put(payload).flip();
        AtomicFiles.writeFully(seg.channel, b, seg.size);
        seg.size += recordBytes;
      }
      nextOffset++;
      return offset;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot append to the log in " + dir + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  private void writeBuffer() throws IOException {
    if (buffer.position() == 0) {
      return;
    }
    Segment seg = segments.lastEntry().getValue();
    buffer.flip();
    int n = buffer.remaining();
    AtomicFiles.writeFully(seg.channel, buffer, seg.size);
    seg.size += n;
    buffer.clear();
  }

  /** Hands buffered records to the operating system; readers see them from now on. */
  public void flush() {
    lock.lock();
    try {
      ensureOpen();
      writeBuffer();
      if (flushedOffset != nextOffset) {
        flushedOffset = nextOffset;
        grew.signalAll();
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot write the log in " + dir + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Flushes and forces every record appended so far to disk. */
  public void sync() {
    lock.lock();
    try {
      flush();
      segments.lastEntry().getValue().channel.force(false);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot force the log in " + dir + " to disk: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** The offset the next append gets. */
  public long nextOffset() {
    lock.lock();
    try {
      return nextOffset;
    } finally {
      lock.unlock();
    }
  }

  /** The lowest offset still in the log. */
  public long startOffset() {
    lock.lock();
    try {
      return segments.firstKey();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reads up to {@code max} flushed records from {@code offset} on.
   *
   * @throws DwException FAILED_PRECONDITION for an offset outside the log, INTEGRITY naming the
   *     file and offset when a record fails its checksum
   */
  public List<Entry> read(long offset, int max) {
    return read(new Cursor(offset), max);
  }

  /** A reading position that remembers where its next record is, for sequential reads. */
  public final class Cursor {
    private long offset;
    private long segmentBase = -1;
    private long position;

    public Cursor(long offset) {
      this.offset = offset;
    }

    public long offset() {
      return offset;
    }
  }

  /** Reads up to {@code max} flushed records at the cursor and moves it past them. */
  public List<Entry> read(Cursor cursor, int max) {
    lock.lock();
    try {
      ensureOpen();
      long start = segments.firstKey();
      if (cursor.offset < start || cursor.offset > flushedOffset) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "offset " + cursor.offset + " is outside the log in "
            + dir + " (it holds " + start + ".." + flushedOffset + ")");
      }
      List<Entry> out = new ArrayList<>(Math.min(max, 1024));
      while (out.size() < max && cursor.offset < flushedOffset) {
        var e = segments.floorEntry(cursor.offset);
        Segment seg = e.getValue();
        if (cursor.segmentBase != seg.base) {
          cursor.segmentBase = seg.base;
          cursor.position = positionOf(seg, cursor.offset);
        }
        out.add(readAt(seg, cursor));
      }
      return out;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read the log in " + dir + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  private Entry readAt(Segment seg, Cursor cursor) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(RECORD_HEADER);
    if (!AtomicFiles.readFully(seg.channel, h, cursor.position)) {
      throw DwException.integrity(seg.file + ": record at offset " + cursor.offset + " is missing (byte "
          + cursor.position + ")");
    }
    h.flip();
    int len = h.getInt();
    int stored = h.getInt();
    long recOffset = h.getLong();
    long ts = h.getLong();
    if (len < 0 || len > options.maxRecordBytes() || recOffset != cursor.offset) {
      throw DwException.integrity(seg.file + ": corrupt record header at offset " + cursor.offset + " (byte "
          + cursor.position + "): length " + len + ", offset " + recOffset);
    }
    byte[] payload = new byte[len];
    if (!AtomicFiles.readFully(seg.channel, ByteBuffer.wrap(payload), cursor.position + RECORD_HEADER)) {
      throw DwException.integrity(seg.file + ": record at offset " + cursor.offset + " is cut short");
    }
    if (checksum(recOffset, ts, payload, 0, len) != stored) {
      throw DwException.integrity(seg.file + ": checksum mismatch in the record at offset " + cursor.offset
          + " (byte " + cursor.position + "): the file is corrupt");
    }
    cursor.position += RECORD_HEADER + len;
    cursor.offset++;
    if (cursor.position >= seg.size && segments.higherKey(seg.base) != null) {
      cursor.segmentBase = -1; // next segment
    }
    return new Entry(recOffset, ts, payload);
  }

  /** The byte position of {@code offset} in {@code seg}, found by walking record headers. */
  private long positionOf(Segment seg, long offset) throws IOException {
    long pos = SEGMENT_HEADER;
    ByteBuffer h = ByteBuffer.allocate(4);
    for (long o = seg.base; o < offset; o++) {
      h.clear();
      if (!AtomicFiles.readFully(seg.channel, h, pos)) {
        throw DwException.integrity(seg.file + ": ends before offset " + offset);
      }
      int len = h.getInt(0);
      if (len < 0 || len > options.maxRecordBytes()) {
        throw DwException.integrity(seg.file + ": corrupt record length " + len + " at offset " + o);
      }
      pos += RECORD_HEADER + len;
    }
    return pos;
  }

  /**
   * Waits up to {@code timeoutNanos} for records at or after {@code offset} to be flushed.
   *
   * @return true when there are some
   */
  public boolean awaitRecords(long offset, long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long nanos = timeoutNanos;
      while (flushedOffset <= offset && !closed) {
        if (nanos <= 0) {
          return false;
        }
        nanos = grew.awaitNanos(nanos);
      }
      return flushedOffset > offset;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Cuts the log back so that {@code offset} is the next offset: every record from it on is
   * removed, durably. Used to undo results written after the checkpoint being restored.
   *
   * @throws DwException FAILED_PRECONDITION when {@code offset} is outside the log
   */
  public void truncate(long offset) {
    lock.lock();
    try {
      ensureOpen();
      writeBuffer();
      long start = segments.firstKey();
      if (offset < start || offset > nextOffset) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "cannot cut the log in " + dir + " back to offset " + offset
            + ": it holds " + start + ".." + nextOffset);
      }
      if (offset == nextOffset) {
        return;
      }
      // drop whole segments after the one holding offset (never the first)
      while (segments.size() > 1 && segments.lastKey() >= offset && segments.lastKey() > start) {
        Segment s = segments.pollLastEntry().getValue();
        s.channel.close();
        Files.delete(s.file);
      }
      Segment seg = segments.lastEntry().getValue();
      long pos = positionOf(seg, offset);
      seg.channel.truncate(pos);
      seg.channel.force(true);
      AtomicFiles.fsyncDirectory(dir);
      seg.size = pos;
      LOG.info("log {}: cut back from offset {} to {}", dir, nextOffset, offset);
      nextOffset = offset;
      flushedOffset = offset;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot cut back the log in " + dir + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Deletes whole segments whose records are all below {@code offset} (retention). The last
   * segment always stays.
   *
   * @return how many segments were deleted
   */
  public int deleteBefore(long offset) {
    lock.lock();
    try {
      ensureOpen();
      int n = 0;
      while (segments.size() > 1) {
        Long second = segments.higherKey(segments.firstKey());
        if (second > offset) {
          break;
        }
        Segment s = segments.pollFirstEntry().getValue();
        s.channel.close();
        Files.delete(s.file);
        n++;
      }
      if (n > 0) {
        AtomicFiles.fsyncDirectory(dir);
      }
      return n;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot delete old segments in " + dir + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** How many segment files the log has. */
  public int segmentCount() {
    lock.lock();
    try {
      return segments.size();
    } finally {
      lock.unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "the log in " + dir + " is closed");
    }
  }

  /** Syncs and closes the log. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      sync();
      closeQuietly();
    } finally {
      lock.unlock();
    }
  }

  private void closeQuietly() {
    lock.lock();
    try {
      closed = true;
      grew.signalAll();
      for (Segment s : segments.values()) {
        try {
          s.channel.close();
        } catch (IOException e) {
          LOG.warn("log {}: cannot close {}: {}", dir, s.file, e.toString());
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * This log as a pipeline source: records decoded by {@code codec} (one that does not decode goes
   * to the dead letters as BAD_PAYLOAD), position = offset, seekable.
   *
   * @param follow true to wait for new records at the end (a live input); false to end the source
   *     when it has read every record flushed when it reached the end (a replay)
   */
  public <T> Source<T> source(Codec<T> codec, boolean follow) {
    return new LogSource<>(this, codec, follow);
  }

  /**
   * This log as an exactly-once pipeline sink: results encoded by {@code codec}; synced at every
   * checkpoint; its offset goes into the checkpoint and a restore cuts it back there.
   */
  public <T> Sink<T> sink(Codec<T> codec) {
    return new LogSink<>(this, codec);
  }
}
