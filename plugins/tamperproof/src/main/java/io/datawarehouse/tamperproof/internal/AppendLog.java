package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * An append-only file of checksummed records: the ledger's entries and its checkpoints.
 *
 * <pre>
 *   header (16 bytes): u32 magic, u16 version (1), u16 0, u32 0, u32 CRC32C of the 12 bytes before
 *   record:            u32 length (1..MAX_RECORD), u32 CRC32C of (length || bytes), bytes
 * </pre>
 *
 * All integers big-endian. Opening scans every record and checks its checksum; the first record
 * that does not check out is reported as a {@link Problem} and the log ends before it. A problem
 * whose record reaches the end of the file ({@link Problem#atTail()}) is what a crash in the middle
 * of an append leaves; the owner decides whether it may be {@linkplain #truncateTail cut off}
 * (the ledger allows it only past its last signed checkpoint). Anything else is corruption.
 *
 * <p>Appends are positional writes under a lock; durability is a separate {@link #sync} with group
 * commit: one {@code force} covers every record appended before it, so concurrent writers share
 * it. Reads are positional and check the record's checksum again.
 *
 * <p>Thread-safe.
 */
public final class AppendLog implements AutoCloseable {
  /** Largest record accepted, in bytes. */
  public static final int MAX_RECORD = 1 << 20;
  static final int HEADER = 16;
  static final int RECORD_HEADER = 8;
  private static final int VERSION = 1;

  /** The first record that failed to read back, and where. */
  public record Problem(long index, long offset, String reason, boolean atTail) {}

  /** Receives each valid record while the log is opened. */
  @FunctionalInterface
  public interface Visitor {
    void visit(long index, byte[] record);
  }

  private final Path file;
  private final InterruptSafeChannel channel;
  private final ReentrantLock appendLock = new ReentrantLock();
  private final ReentrantLock syncLock = new ReentrantLock();
  private long[] offsets = new long[1024];
  private volatile long count;
  private long end;
  private volatile long durable;
  private final Problem problem;

  private AppendLog(Path file, FileChannel channel, Problem problem, long[] offsets, long count, long end) {
    this.file = file;
    this.channel = new InterruptSafeChannel(file, channel);
    this.problem = problem;
    this.offsets = offsets;
    this.count = count;
    this.end = end;
    this.durable = count;
  }

  /**
   * Opens (or, when {@code create} and it does not exist, creates durably) the log at {@code file},
   * calling {@code visitor} for every valid record in order.
   *
   * @throws DwException NOT_FOUND when it does not exist and {@code create} is false; INTEGRITY when
   *     the header is not this kind of log; UNAVAILABLE on I/O errors
   */
  public static AppendLog open(Path file, int magic, boolean create, Visitor visitor) {
    try {
      if (!Files.exists(file)) {
        if (!create) {
          throw DwException.notFound("no such log: " + file);
        }
        AtomicFiles.write(file, header(magic));
      }
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      try {
        return scan(file, ch, magic, visitor);
      } catch (RuntimeException | IOException e) {
        ch.close();
        throw e;
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot open " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads every valid record of the log at {@code file} without opening it for writing. */
  public static Problem readAll(Path file, int magic, Visitor visitor) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return scan(file, ch, magic, visitor).problem;
    } catch (java.nio.file.NoSuchFileException e) {
      throw DwException.of(ErrorCode.NOT_FOUND, "no such log: " + file, e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Receives every record an {@linkplain #audit audit} reads, damaged or not. */
  @FunctionalInterface
  public interface AuditVisitor {
    void visit(long index, long offset, byte[] record, boolean checksumOk);
  }

  /**
   * Reads every record of the log at {@code file} for an audit, read-only: unlike opening, it
   * goes on past a record whose checksum fails (trusting its length while that is plausible), so
   * one altered entry does not hide the ones after it.
   *
   * @return the problems found, in order (a checksum failure each, then what stopped the read)
   */
  public static List<Problem> audit(Path file, int magic, AuditVisitor visitor) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      List<Problem> problems = new ArrayList<>();
      walk(file, ch, magic, true, problems, visitor);
      return problems;
    } catch (java.nio.file.NoSuchFileException e) {
      throw DwException.of(ErrorCode.NOT_FOUND, "no such log: " + file, e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static AppendLog scan(Path file, FileChannel ch, int magic, Visitor visitor) throws IOException {
    long[][] offs = {new long[1024]};
    List<Problem> problems = new ArrayList<>();
    long[] end = {HEADER};
    long n = walk(file, ch, magic, false, problems, (i, at, body, ok) -> {
      if (i == offs[0].length) {
        offs[0] = Arrays.copyOf(offs[0], offs[0].length * 2);
      }
      offs[0][(int) i] = at;
      visitor.visit(i, body);
      end[0] = at + RECORD_HEADER + body.length;
    });
    return new AppendLog(file, ch, problems.isEmpty() ? null : problems.get(0), offs[0], n, end[0]);
  }

  /** Reads records from the start; returns how many valid ones came before the first problem. */
  private static long walk(Path file, FileChannel ch, int magic, boolean lenient, List<Problem> problems,
      AuditVisitor visitor) throws IOException {
    long size = ch.size();
    ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
    if (size < HEADER || !AtomicFiles.readFully(ch, h, 0)) {
      throw DwException.integrity(file + ": file too short for its header (" + size + " bytes)");
    }
    h.flip();
    int actualMagic = h.getInt();
    int version = Short.toUnsignedInt(h.getShort());
    CRC32C crc = new CRC32C();
    crc.update(h.array(), 0, 12);
    int storedCrc = h.getInt(12);
    if (actualMagic != magic) {
      throw DwException.integrity(String.format("%s: header mismatch: actual magic=0x%08x vs expected magic=0x%08x",
          file, actualMagic, magic));
    }
    if ((int) crc.getValue() != storedCrc) {
      throw DwException.integrity(file + ": header checksum mismatch (the header was altered)");
    }
    if (version != VERSION) {
      throw DwException.integrity(file + ": format version " + version + " is not supported (this build reads " + VERSION + ")");
    }
    long n = 0;
    long valid = -1;
    long pos = HEADER;
    ByteBuffer rh = ByteBuffer.allocate(RECORD_HEADER).order(ByteOrder.BIG_ENDIAN);
    while (pos < size) {
      rh.clear();
      if (size - pos < RECORD_HEADER) {
        problems.add(new Problem(n, pos, "incomplete record header (" + (size - pos) + " bytes at the end)", true));
        break;
      }
      AtomicFiles.readFully(ch, rh, pos);
      rh.flip();
      int len = rh.getInt();
      int stored = rh.getInt();
      if (len <= 0 || len > MAX_RECORD) {
        problems.add(new Problem(n, pos, "record length " + Integer.toUnsignedString(len) + " is outside 1.." + MAX_RECORD,
            allZero(ch, pos, size)));
        break;
      }
      if (pos + RECORD_HEADER + len > size) {
        problems.add(new Problem(n, pos, "record of " + len + " bytes is cut off by the end of the file at " + size, true));
        break;
      }
      byte[] body = new byte[len];
      AtomicFiles.readFully(ch, ByteBuffer.wrap(body), pos + RECORD_HEADER);
      int actual = crc(len, body);
      boolean ok = actual == stored;
      if (!ok) {
        problems.add(new Problem(n, pos, String.format("record checksum mismatch: actual CRC32C=0x%08x vs stored 0x%08x",
            actual, stored), pos + RECORD_HEADER + len == size));
        if (!lenient) {
          break;
        }
        if (valid < 0) {
          valid = n;
        }
      }
      visitor.visit(n, pos, body, ok);
      n++;
      pos += RECORD_HEADER + len;
    }
    return valid < 0 ? n : valid;
  }

  /** Whether every byte from {@code pos} to {@code size} is zero (a preallocated, never written tail). */
  private static boolean allZero(FileChannel ch, long pos, long size) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8192);
    long p = pos;
    while (p < size) {
      b.clear();
      int n = ch.read(b, p);
      if (n < 0) {
        break;
      }
      for (int i = 0; i < n; i++) {
        if (b.get(i) != 0) {
          return false;
        }
      }
      p += n;
    }
    return true;
  }

  static byte[] header(int magic) {
    ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
    h.putInt(magic).putShort((short) VERSION).putShort((short) 0).putInt(0);
    CRC32C crc = new CRC32C();
    crc.update(h.array(), 0, 12);
    h.putInt((int) crc.getValue());
    return h.array();
  }

  static int crc(int len, byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(0, len));
    crc.update(body);
    return (int) crc.getValue();
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /** The first record that failed to read when the log was opened, or null. */
  public Problem problem() {
    return problem;
  }

  /** Number of valid records (appended, durable or not). */
  public long count() {
    return count;
  }

  /** Number of records known to be on disk. */
  public long durableCount() {
    return durable;
  }

  /**
   * Cuts the file at the {@linkplain #problem() problem} record, after copying the bytes cut off
   * to {@code evidence} (atomically, durably) so nothing is lost without a trace.
   *
   * @return how many bytes were cut
   */
  public long truncateTail(Path evidence) {
    if (problem == null) {
      return 0;
    }
    appendLock.lock();
    try {
      long size = io(FileChannel::size);
      if (end != problem.offset() || count != problem.index()) {
        throw new IllegalStateException("records were appended after a problem was found");
      }
      long cut = size - end;
      if (cut > 0) {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(cut, Integer.MAX_VALUE - 16));
        io(ch -> {
          b.clear();
          return AtomicFiles.readFully(ch, b, end);
        });
        AtomicFiles.write(evidence, Arrays.copyOf(b.array(), b.position()));
        io(ch -> {
          ch.truncate(end);
          ch.force(true);
          return null;
        });
      }
      return cut;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot truncate " + file + ": " + e.getMessage(), e);
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Appends a record; it is durable after {@link #sync} of its index.
   *
   * @return the record's index
   * @throws DwException INVALID_ARGUMENT for an empty or too large record; FAILED_PRECONDITION when
   *     the log had a problem that was not cut off; UNAVAILABLE on I/O errors (nothing appended)
   */
  public long append(byte[] record) {
    if (record.length == 0 || record.length > MAX_RECORD) {
      throw DwException.invalidArgument("a log record is 1.." + MAX_RECORD + " bytes, got " + record.length);
    }
    ByteBuffer buf = ByteBuffer.allocate(RECORD_HEADER + record.length).order(ByteOrder.BIG_ENDIAN);
    buf.putInt(record.length).putInt(crc(record.length, record)).put(record).flip();
    appendLock.lock();
    try {
      if (problem != null && io(FileChannel::size) > end) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, file + " has a damaged record at offset " + problem.offset()
            + " (" + problem.reason() + "); it must be dealt with before anything is appended");
      }
      long at = end;
      try {
        io(ch -> {
          buf.rewind();
          AtomicFiles.writeFully(ch, buf, at);
          return null;
        });
      } catch (IOException e) {
        // leave no partial record behind: later appends start at the same place
        try {
          io(ch -> ch.truncate(at));
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      long index = count;
      if (index == offsets.length) {
        offsets = Arrays.copyOf(offsets, offsets.length * 2);
      }
      offsets[(int) index] = at;
      end = at + buf.limit();
      count = index + 1;
      return index;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot append to " + file + ": " + e.getMessage(), e);
    } finally {
      appendLock.unlock();
    }
  }

  /** Makes every record up to and including {@code index} durable (one force may cover many). */
  public void sync(long index) {
    if (index < durable) {
      return;
    }
    syncLock.lock();
    try {
      if (index < durable) {
        return;
      }
      long target = count;
      io(ch -> {
        ch.force(false);
        return null;
      });
      durable = target;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot force " + file + " to disk: " + e.getMessage(), e);
    } finally {
      syncLock.unlock();
    }
  }

  /** Makes every appended record durable. */
  public void syncAll() {
    long c = count;
    if (c > 0) {
      sync(c - 1);
    }
  }

  /**
   * Reads record {@code index} back from disk, checking its checksum.
   *
   * @throws DwException INTEGRITY naming the file and offset when it no longer checks out
   */
  public byte[] read(long index) {
    long c = count;
    if (index < 0 || index >= c) {
      throw DwException.notFound(file + " has no record " + index + " (it has " + c + ")");
    }
    long at;
    appendLock.lock();
    try {
      at = offsets[(int) index];
    } finally {
      appendLock.unlock();
    }
    try {
      ByteBuffer rh = ByteBuffer.allocate(RECORD_HEADER).order(ByteOrder.BIG_ENDIAN);
      if (!io(ch -> AtomicFiles.readFully(ch, rh.clear(), at))) {
        throw DwException.integrity(file + ": record " + index + " at offset " + at + " is gone (the file was truncated)");
      }
      rh.flip();
      int len = rh.getInt();
      int stored = rh.getInt();
      if (len <= 0 || len > MAX_RECORD) {
        throw DwException.integrity(file + ": record " + index + " at offset " + at + " has a bad length " + len);
      }
      byte[] body = new byte[len];
      if (!io(ch -> AtomicFiles.readFully(ch, ByteBuffer.wrap(body), at + RECORD_HEADER))) {
        throw DwException.integrity(file + ": record " + index + " at offset " + at + " is cut off (the file was truncated)");
      }
      if (crc(len, body) != stored) {
        throw DwException.integrity(file + ": record " + index + " at offset " + at + " fails its checksum (it was altered)");
      }
      return body;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private <T> T io(InterruptSafeChannel.ChannelOp<T> op) throws IOException {
    return channel.io(op);
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot close " + file + ": " + e.getMessage(), e);
    }
  }
}
