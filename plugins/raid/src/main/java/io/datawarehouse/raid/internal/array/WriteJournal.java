package io.datawarehouse.raid.internal.array;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.RecordLog;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The degraded-write journal ({@code <dir>/journal.log}): closes the RAID write hole while a group
 * of shards runs without one of its members.
 *
 * <p>On a degraded group the content of a missing shard exists only as what the surviving shards
 * decode to. A crash between the writes of one stripe update (new data on one disk, old parity on
 * another) would make it decode to garbage, and resync cannot fix it: there is nothing to compare
 * with. So before the shards of such an update are written, their new content is appended here
 * and forced; at the next assembly every complete transaction is written again, in order, which
 * leaves each journaled stripe exactly as its last journaled update made it (as md's raid5 journal
 * does with a data journal, rather than its partial parity log).
 *
 * <p>Format: a {@link RecordLog} (header, then records with a length, a CRC32C and a sequence
 * number). One record per shard; the payload is
 *
 * <pre>
 *   u8  format version (1)
 *   u64 transaction (the sequence number of its first record)
 *   u64 stripe, u32 group, u32 block size
 *   u16 shard index in the group, u16 index of this record in the transaction, u16 records in it
 *   block size bytes: the shard's new content
 * </pre>
 *
 * A transaction's records are appended together and forced once, after the last (or, for the
 * stripes of one multi-stripe write, once after the last transaction); a transaction missing records (a crash while it was being appended, before any shard was written) is not
 * replayed. Records are never needed once the shards they describe are durable: {@link
 * #clearIfQuiet} empties the log after a flush of the disks that no journaled write overlapped.
 *
 * <p>Ordering invariant: once a stripe has a record in the log, every later update of that stripe
 * is journaled too ({@link #covers}) until the log is emptied, so replaying old records can never
 * undo a newer, unjournaled write.
 *
 * <p>Thread-safe.
 */
final class WriteJournal implements AutoCloseable {
  static final String FILE = "journal.log";
  static final int FORMAT = 1;
  private static final int HEADER = 1 + 8 + 8 + 4 + 4 + 2 + 2 + 2;

  private final RecordLog log;
  private final int blockSize;
  private final Set<Long> pending = ConcurrentHashMap.newKeySet();
  private int inFlight;

  private WriteJournal(RecordLog log, int blockSize) {
    this.log = log;
    this.blockSize = blockSize;
  }

  /** Opens (creating when absent) the journal of the array in {@code dir}. */
  static WriteJournal open(Path dir, int blockSize) {
    return new WriteJournal(RecordLog.open(dir.resolve(FILE)), blockSize);
  }

  /** One journaled update: the new content of some shards of group {@code group} of {@code stripe}. */
  record Txn(long id, long stripe, int group, int[] shards, byte[][] contents) {}

  /** Whether stripe {@code s} has a record in the log (its next updates must be journaled too). */
  boolean covers(long s) {
    return pending.contains(s);
  }

  /** Whether the log holds no record. */
  boolean isEmpty() {
    return pending.isEmpty();
  }

  /**
   * Logs the new content of shards {@code shards[i]} ({@code contents[i]}, one block each) of group
   * {@code group} of stripe {@code s}; with {@code force}, durably (otherwise the caller calls
   * {@link #force()} before writing any of the shards). The caller must call {@link #done()} once
   * the shard writes have returned (or failed).
   */
  synchronized void log(long s, int group, int[] shards, byte[][] contents, boolean force) {
    long txn = log.nextSeq();
    for (int i = 0; i < shards.length; i++) {
      ByteBuffer b = ByteBuffer.allocate(HEADER + blockSize);
      b.put((byte) FORMAT).putLong(txn).putLong(s).putInt(group).putInt(blockSize);
      b.putShort((short) shards[i]).putShort((short) i).putShort((short) shards.length);
      b.put(contents[i], 0, blockSize);
      log.append(b.array(), force && i == shards.length - 1);
    }
    pending.add(s);
    inFlight++;
  }

  /** Forces every record logged so far. */
  void force() {
    log.force();
  }

  /** The shard writes of a logged update returned. */
  synchronized void done() {
    inFlight--;
  }

  /** Where a flush starts: the log's next sequence number and whether no journaled write was in flight. */
  record Mark(long nextSeq, boolean quiet) {}

  synchronized Mark mark() {
    return new Mark(log.nextSeq(), inFlight == 0);
  }

  /**
   * Empties the log when every record in it was written to the disks before the flush that began
   * at {@code m} (nothing in flight then or now, nothing appended since): the disks now hold what
   * the records say durably.
   *
   * @return whether the log was emptied
   */
  synchronized boolean clearIfQuiet(Mark m) {
    if (!m.quiet() || inFlight != 0 || log.nextSeq() != m.nextSeq() || log.count() == 0) {
      return false;
    }
    log.clear();
    pending.clear();
    return true;
  }

  /** Bytes in the log file. */
  synchronized long sizeBytes() {
    return log.sizeBytes();
  }

  /**
   * The complete transactions in the log, in order; incomplete ones (torn by a crash while they
   * were appended) are left out.
   *
   * @throws DwException INTEGRITY when a record is not a journal record of this array's block size
   */
  synchronized List<Txn> transactions() {
    TreeMap<Long, List<ByteBuffer>> byTxn = new TreeMap<>();
    log.forEachFrom(0, e -> {
      ByteBuffer b = ByteBuffer.wrap(e.payload());
      if (e.payload().length < HEADER || b.get() != FORMAT) {
        throw DwException.integrity(log.path() + ": record " + e.seq() + " is not a version " + FORMAT + " journal record ("
            + e.payload().length + " bytes, first byte " + (e.payload().length == 0 ? "none" : e.payload()[0]) + ")");
      }
      long txn = b.getLong();
      b.position(0);
      byTxn.computeIfAbsent(txn, t -> new ArrayList<>()).add(b);
    });
    List<Txn> out = new ArrayList<>();
    for (var entry : byTxn.entrySet()) {
      List<ByteBuffer> recs = entry.getValue();
      Txn t = parse(entry.getKey(), recs);
      if (t != null) {
        out.add(t);
      }
    }
    return out;
  }

  private Txn parse(long txn, List<ByteBuffer> recs) {
    int count = -1;
    long stripe = -1;
    int group = -1;
    int[] shards = null;
    byte[][] contents = null;
    for (ByteBuffer b : recs) {
      b.position(1 + 8);
      long s = b.getLong();
      int g = b.getInt();
      int bs = b.getInt();
      int shard = Short.toUnsignedInt(b.getShort());
      int index = Short.toUnsignedInt(b.getShort());
      int n = Short.toUnsignedInt(b.getShort());
      if (bs != blockSize || b.remaining() != blockSize) {
        throw DwException.integrity(log.path() + ": transaction " + txn + " has " + b.remaining() + "-byte blocks of size " + bs
            + "; the array's block size is " + blockSize);
      }
      if (count < 0) {
        count = n;
        stripe = s;
        group = g;
        shards = new int[n];
        contents = new byte[n][];
      }
      if (n != count || s != stripe || g != group || index >= n || contents[index] != null) {
        throw DwException.integrity(log.path() + ": transaction " + txn + " has inconsistent records (stripe " + s + " vs " + stripe
            + ", group " + g + " vs " + group + ", record " + index + " of " + n + " vs " + count + ")");
      }
      shards[index] = shard;
      contents[index] = new byte[blockSize];
      b.get(contents[index]);
    }
    return recs.size() == count ? new Txn(txn, stripe, group, shards, contents) : null;
  }

  Path file() {
    return log.path();
  }

  @Override
  public synchronized void close() {
    log.close();
  }
}
