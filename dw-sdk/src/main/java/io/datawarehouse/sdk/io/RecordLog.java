package io.datawarehouse.sdk.io;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of checksummed records in one file: the building block for journals, saga
 * logs, durable stream logs and ledgers.
 *
 * <pre>
 *   header  u32 magic "DWRL", u16 version 1, u16 reserved, u64 epoch (random per log generation),
 *           u64 sequence number of the first record
 *   record  u32 length of payload, u32 CRC32C over (seq, payload), u64 seq, payload
 * </pre>
 *
 * Sequence numbers start at 1 and grow by one. Opening a log verifies every record. A damaged
 * <em>last</em> record (a write torn by a crash: too short, or its checksum fails and nothing
 * follows) is cut off with a WARN, because it was never acknowledged (appends are acknowledged only
 * after {@link #append} returns). Damage anywhere else is an INTEGRITY error naming the file and the
 * offset: acknowledged data is never dropped silently.
 *
 * <p>{@code append(..., true)} forces the record to disk before returning. Thread-safe.
 */
public final class RecordLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecordLog.class);
  public static final int MAGIC = FramedFile.magic("DWRL");
  public static final int VERSION = 1;
  static final int HEADER = 24;
  static final int RECORD_HEADER = 16;
  /** The largest payload of one record. */
  public static final int MAX_RECORD = 64 << 20;

  /** One record. @param seq its sequence number @param payload its bytes */
  public record Entry(long seq, byte[] payload) {}

  private final Path path;
  private FileChannel channel;
  private long epoch;
  private long end;
  private long nextSeq;
  private long firstSeq;
  private long count;

  private RecordLog(Path path, FileChannel channel, long epoch, long end, long firstSeq, long nextSeq, long count) {
    this.path = path;
    this.channel = channel;
    this.epoch = epoch;
    this.end = end;
    this.firstSeq = firstSeq;
    this.nextSeq = nextSeq;
    this.count = count;
  }

  /**
   * Opens the log at {@code path}, creating it (durably) when it does not exist, and verifies it.
   *
   * @throws DwException INTEGRITY when the file is not a record log or is damaged before its last
   *     record; UNAVAILABLE on I/O errors
   */
  public static RecordLog open(Path path) {
    try {
      if (!Files.exists(path)) {
        createEmpty(path, 1);
      }
      FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      try {
        return scan(path, ch);
      } catch (RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot open record log " + path + ": " + e.getMessage(), e);
    }
  }

  /** Writes an empty log whose first record will get {@code firstSeq}, atomically. */
  private static void createEmpty(Path path, long firstSeq) {
    ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
    long epoch = new SecureRandom().nextLong() & Long.MAX_VALUE;
    h.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putLong(epoch).putLong(firstSeq);
    AtomicFiles.write(path, h.array());
  }

  private static RecordLog scan(Path path, FileChannel ch) throws IOException {
    long size = ch.size();
    ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
    if (size < HEADER || !AtomicFiles.readFully(ch, h, 0)) {
      throw DwException.integrity(path + ": not a record log (only " + size + " bytes, the header alone is " + HEADER + ")");
    }
    h.flip();
    int magic = h.getInt();
    if (magic != MAGIC) {
      throw DwException.integrity(String.format("%s: header mismatch: actual magic=0x%08x vs expected magic=0x%08x", path, magic, MAGIC));
    }
    int version = Short.toUnsignedInt(h.getShort());
    if (version != VERSION) {
      throw DwException.integrity(path + ": record log format version " + version + " is not supported (this build reads " + VERSION + ")");
    }
    h.getShort();
    long epoch = h.getLong();
    final long firstSeq = h.getLong();
    long pos = HEADER;
    long expectSeq = firstSeq;
    long count = 0;
    ByteBuffer rh = ByteBuffer.allocate(RECORD_HEADER).order(ByteOrder.BIG_ENDIAN);
    while (pos < size) {
      rh.clear();
      String torn = null;
      if (!AtomicFiles.readFully(ch, rh, pos)) {
        torn = "a record header cut short";
      } else {
        rh.flip();
        int len = rh.getInt();
        int crc = rh.getInt();
        long seq = rh.getLong();
        if (len < 0 || len > MAX_RECORD) {
          torn = "an impossible record length " + len;
        } else if (pos + RECORD_HEADER + len > size) {
          torn = "a record cut short (" + (size - pos - RECORD_HEADER) + " of " + len + " payload bytes)";
        } else {
          ByteBuffer body = ByteBuffer.allocate(len);
          AtomicFiles.readFully(ch, body, pos + RECORD_HEADER);
          if (crc(seq, body.array()) != crc) {
            torn = "a checksum mismatch";
          } else if (seq != expectSeq) {
            throw DwException.integrity(path + ": record at offset " + pos + " has sequence " + seq + ", expected " + expectSeq
                + " (records were removed, reordered or spliced in)");
          } else {
            expectSeq = seq + 1;
            count++;
            pos += RECORD_HEADER + len;
            continue;
          }
        }
      }
      // something is wrong at pos: a torn last record, or damage in the middle. Any valid record
      // after it proves damage in the middle (even when this record's length field is garbage).
      long later = validRecordAfter(ch, pos + 1, size, expectSeq);
      if (later >= 0) {
        throw DwException.integrity(path + ": damaged record at offset " + pos + " (" + torn + ") with valid records after it"
            + " (the next at offset " + later + "); the log is corrupt");
      }
      LOG.warn("record log {}: cut off an incomplete last record at offset {} ({}); it was never acknowledged", path, pos, torn);
      ch.truncate(pos);
      ch.force(true);
      size = pos;
    }
    return new RecordLog(path, ch, epoch, size, firstSeq, expectSeq, count);
  }

  /**
   * The offset of the first valid record (plausible header, sequence >= {@code minSeq}, matching
   * checksum) at or after {@code from}, or -1. Runs only when a log is damaged.
   */
  private static long validRecordAfter(FileChannel ch, long from, long size, long minSeq) throws IOException {
    int window = 1 << 20;
    ByteBuffer buf = ByteBuffer.allocate(window + RECORD_HEADER).order(ByteOrder.BIG_ENDIAN);
    for (long base = from; base + RECORD_HEADER <= size; base += window) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), size - base));
      AtomicFiles.readFully(ch, buf, base);
      int n = buf.position();
      for (int i = 0; i + RECORD_HEADER <= n && i < window; i++) {
        int len = buf.getInt(i);
        long seq = buf.getLong(i + 8);
        long at = base + i;
        if (len < 0 || len > MAX_RECORD || at + RECORD_HEADER + len > size || seq < minSeq || seq > minSeq + (1L << 40)) {
          continue;
        }
        ByteBuffer body = ByteBuffer.allocate(len);
        AtomicFiles.readFully(ch, body, at + RECORD_HEADER);
        if (crc(seq, body.array()) == buf.getInt(i + 4)) {
          return at;
        }
      }
    }
    return -1;
  }

  /** CRC32C over a record's sequence number (big-endian) and payload. */
  private static int crc(long seq, byte[] payload) {
    CRC32C c = new CRC32C();
    c.update(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(0, seq));
    c.update(payload);
    return (int) c.getValue();
  }

  /**
   * Appends a record.
   *
   * @param force whether to force it to disk before returning (the caller acknowledges only then)
   * @return its sequence number
   */
  public synchronized long append(byte[] payload, boolean force) {
    if (payload.length > MAX_RECORD) {
      throw DwException.invalidArgument("record of " + payload.length + " bytes exceeds the record log limit of " + MAX_RECORD);
    }
    long seq = nextSeq;
    ByteBuffer buf = ByteBuffer.allocate(RECORD_HEADER + payload.length).order(ByteOrder.BIG_ENDIAN);
    buf.putInt(payload.length).putInt(crc(seq, payload)).putLong(seq).put(payload).flip();
    try {
      AtomicFiles.writeFully(channel, buf, end);
      if (force) {
        channel.force(false);
      }
    } catch (IOException e) {
      try {
        channel.truncate(end);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot append to record log " + path + ": " + e.getMessage(), e);
    }
    end += buf.capacity();
    nextSeq = seq + 1;
    count++;
    return seq;
  }

  /** Forces everything appended so far to disk. */
  public synchronized void force() {
    try {
      channel.force(false);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot force record log " + path + ": " + e.getMessage(), e);
    }
  }

  /** Reads every record with a sequence number >= {@code fromSeq}, in order, verifying each. */
  public synchronized List<Entry> readFrom(long fromSeq) {
    List<Entry> out = new ArrayList<>();
    forEachFrom(fromSeq, out::add);
    return out;
  }

  /** Calls {@code consumer} for every record with seq >= {@code fromSeq}, in order, without holding them all in memory. */
  public synchronized void forEachFrom(long fromSeq, java.util.function.Consumer<Entry> consumer) {
    long pos = HEADER;
    ByteBuffer rh = ByteBuffer.allocate(RECORD_HEADER).order(ByteOrder.BIG_ENDIAN);
    try {
      while (pos < end) {
        rh.clear();
        AtomicFiles.readFully(channel, rh, pos);
        rh.flip();
        int len = rh.getInt();
        int crc = rh.getInt();
        long seq = rh.getLong();
        if (seq >= fromSeq) {
          ByteBuffer body = ByteBuffer.allocate(len);
          AtomicFiles.readFully(channel, body, pos + RECORD_HEADER);
          if (crc(seq, body.array()) != crc) {
            throw DwException.integrity(path + ": checksum mismatch in record " + seq + " at offset " + pos + " (changed on disk after it was written)");
          }
          consumer.accept(new Entry(seq, body.array()));
        }
        pos += RECORD_HEADER + len;
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read record log " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Removes every record, atomically: the log becomes empty and its next record gets the next
   * sequence number (numbers are never reused). A new epoch marks the new generation.
   */
  public synchronized void clear() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("closing {} before clearing it failed", path, e);
    }
    createEmpty(path, nextSeq);
    RecordLog fresh = open(path);
    this.channel = fresh.channel;
    this.epoch = fresh.epoch;
    this.end = fresh.end;
    this.firstSeq = fresh.firstSeq;
    this.nextSeq = fresh.nextSeq;
    this.count = 0;
  }

  public Path path() {
    return path;
  }

  /** A random number fixed when the log (or its current generation after {@link #clear}) was created. */
  public synchronized long epoch() {
    return epoch;
  }

  /** The sequence number the next record will get. */
  public synchronized long nextSeq() {
    return nextSeq;
  }

  /** The sequence number of the first record, or {@link #nextSeq()} when empty. */
  public synchronized long firstSeq() {
    return count == 0 ? nextSeq : firstSeq;
  }

  /** Records in the log. */
  public synchronized long count() {
    return count;
  }

  /** Bytes of the file. */
  public synchronized long sizeBytes() {
    return end;
  }

  @Override
  public synchronized void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot close record log " + path + ": " + e.getMessage(), e);
    }
  }
}
