package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.tamperproof.ledger.Checkpoint;
import io.datawarehouse.tamperproof.ledger.ConsistencyProof;
import io.datawarehouse.tamperproof.ledger.InclusionProof;
import io.datawarehouse.tamperproof.ledger.LedgerVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tamper-evident ledger: an append-only log of entries ({@link AppendLog}), the RFC 6962 Merkle
 * tree over them ({@link MerkleTree}), and a log of Ed25519-signed checkpoints ({@link SigningKey}).
 *
 * <p>Files under its directory:
 *
 * <pre>
 *   ledger.log        the entries ("DWTL" append log); entry i is leaf i of the tree
 *   checkpoints.log   signed checkpoints as JSON ("DWTC" append log), sizes never decreasing
 *   signing.key       the Ed25519 private key and the log's origin (owner-only)
 *   signing.pub       the public key, PEM, for verifiers
 *   journal.log       the write-ahead journal ({@link Journal}): entries, and small records' bytes,
 *                     made durable with one data-only force each, before they reach ledger.log
 *   evidence/         bytes cut off a torn tail at recovery, kept for inspection
 * </pre>
 *
 * <p><b>Durability.</b> An entry is first written to the journal; {@link #sync} forces the journal
 * (group commit) and then writes the synced entries to {@code ledger.log} in order, unforced. So
 * an entry reaches {@code ledger.log} only once it is durable, and the record bytes its journal
 * frame carries are durable with it. Before the journal is reset (when full, and on
 * {@link #flushJournal}), the owner's {@linkplain #onJournalReset hook} forces the data files the
 * frames committed, and {@code ledger.log} is forced. After a crash, opening replays the journal's
 * frames that {@code ledger.log} lacks, cutting off whatever unforced tail the file kept past the
 * journal's base, and {@link #journaled()} lists the record bytes for the owner to check its data
 * files against.
 *
 * <p>Invariants checked when opening: the key exists exactly when the ledger does; the latest
 * checkpoint is signed by the key, covers no more entries than the ledger has, and its root equals
 * the tree's root at its size; checkpoint sizes never decrease. A damaged record at the very end of
 * the ledger, past the latest checkpoint, is what a crash during an append leaves (the entry was
 * never acknowledged); a damaged record anywhere past the journal's base is an unforced write the
 * journal still holds. Either is cut off (with everything after it), its bytes kept under {@code evidence/}, and reported by
 * {@link #recovered()} so the owner can record the recovery. Any other damage refuses to open with
 * INTEGRITY; a full audit of every checkpoint is {@code LedgerAudit}'s job.
 *
 * <p>An entry is acknowledged only after {@link #sync}; a checkpoint covers only synced entries.
 *
 * <p>Thread-safe: appends and the tree are guarded by one lock, syncs are group-committed.
 */
public final class Ledger implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);
  static final int ENTRY_MAGIC = FramedFile.magic("DWTL");
  static final int CHECKPOINT_MAGIC = FramedFile.magic("DWTC");
  public static final String LOG_FILE = "ledger.log";
  public static final String CHECKPOINT_FILE = "checkpoints.log";
  public static final String KEY_FILE = "signing.key";
  public static final String PUBLIC_KEY_FILE = "signing.pub";
  public static final String EVIDENCE_DIR = "evidence";

  /** What recovery cut off a torn tail: where, how many bytes, and where they were kept. */
  public record TornTail(String file, long index, long offset, long bytes, String reason, Path evidence) {}

  private final Path dir;
  private final Time time;
  private final SigningKey key;
  private final AppendLog entries;
  private final AppendLog checkpointLog;
  private final MerkleTree tree;
  private final ReentrantLock lock = new ReentrantLock();
  private final ReentrantLock checkpointLock = new ReentrantLock();
  private int checkpointCount;
  private volatile Checkpoint latest;
  private final List<TornTail> recovered;
  private final Journal journal;
  private final List<Journal.Frame> journaled;
  private final ReentrantLock syncLock = new ReentrantLock();
  /** Guards writes to {@code ledger.log} and {@link #pending}; taken after {@link #lock}, never before. */
  private final ReentrantLock fileLock = new ReentrantLock();
  /** Entries in the journal, not yet written to {@code ledger.log}, in order. */
  private final java.util.ArrayDeque<byte[]> pending = new java.util.ArrayDeque<>();
  /** Records whose bytes the journal's current frames carry (guarded by {@link #lock}). */
  private final List<String> attached = new java.util.ArrayList<>();
  private volatile java.util.function.Consumer<List<String>> beforeReset;
  private volatile long size;
  private volatile long durable;

  private Ledger(Path dir, Time time, SigningKey key, AppendLog entries, AppendLog checkpointLog, MerkleTree tree,
      int checkpointCount, Checkpoint latest, List<TornTail> recovered, Journal journal, List<Journal.Frame> journaled) {
    this.journal = journal;
    this.journaled = List.copyOf(journaled);
    for (Journal.Frame f : journaled) {
      attached.add(f.recordId());
    }
    this.size = entries.count();
    this.durable = entries.count();
    this.dir = dir;
    this.time = time;
    this.key = key;
    this.entries = entries;
    this.checkpointLog = checkpointLog;
    this.tree = tree;
    this.checkpointCount = checkpointCount;
    this.latest = latest;
    this.recovered = List.copyOf(recovered);
  }

  /**
   * Opens the ledger in {@code dir}, creating it (with a new key) when the directory has none,
   * and calls {@code visitor} for every entry in order.
   *
   * @throws DwException INTEGRITY when the ledger fails its checks (see the class comment)
   */
  public static Ledger open(Path dir, Time time, AppendLog.Visitor visitor) {
    return open(dir, time, visitor, Journal.DEFAULT_CAPACITY);
  }

  /** {@link #open(Path, Time, AppendLog.Visitor)} with a journal of {@code journalCapacity} bytes. */
  public static Ledger open(Path dir, Time time, AppendLog.Visitor visitor, long journalCapacity) {
    Path logFile = dir.resolve(LOG_FILE);
    Path keyFile = dir.resolve(KEY_FILE);
    Path cpFile = dir.resolve(CHECKPOINT_FILE);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot create " + dir + ": " + e.getMessage(), e);
    }
    boolean fresh = !Files.exists(logFile);
    SigningKey key;
    if (fresh) {
      if (Files.exists(keyFile) || Files.exists(cpFile)) {
        throw DwException.integrity(logFile + " is missing although the ledger's key and checkpoints exist: "
            + "the ledger was deleted");
      }
      key = SigningKey.create(keyFile, dir.resolve(PUBLIC_KEY_FILE));
    } else {
      if (!Files.exists(keyFile)) {
        throw DwException.integrity(keyFile + " is missing although " + logFile + " exists: the ledger's signing key "
            + "was deleted, so its checkpoints cannot be extended");
      }
      key = SigningKey.load(keyFile);
    }
    MerkleTree tree = new MerkleTree();
    AppendLog entries = AppendLog.open(logFile, ENTRY_MAGIC, fresh, (i, e) -> {
      tree.appendEntry(e);
      visitor.visit(i, e);
    });
    AppendLog cps = null;
    Journal journal = null;
    try {
      Journal.Opened jo = Journal.open(dir.resolve(Journal.FILE), journalCapacity, entries.count());
      journal = jo.journal();
      List<TornTail> recovered = new java.util.ArrayList<>();
      int[] n = {0};
      Checkpoint[] last = {null};
      cps = AppendLog.open(cpFile, CHECKPOINT_MAGIC, true, (i, b) -> {
        Checkpoint c = Json.fromBytes(b, Checkpoint.class, cpFile + " record " + i);
        if (last[0] != null && c.treeSize() < last[0].treeSize()) {
          throw DwException.integrity(cpFile + ": checkpoint " + i + " covers " + c.treeSize() + " entries, fewer than the "
              + "one before it (" + last[0].treeSize() + "): checkpoints were reordered or replaced");
        }
        n[0]++;
        last[0] = c;
      });
      if (cps.problem() != null) {
        if (!cps.problem().atTail()) {
          throw DwException.integrity(cpFile + ": checkpoint " + cps.problem().index() + " at offset "
              + cps.problem().offset() + " is damaged (" + cps.problem().reason() + ")");
        }
        recovered.add(cut(cps, dir, CHECKPOINT_FILE));
      }
      Checkpoint latest = last[0];
      long signedSize = latest == null ? 0 : latest.treeSize();
      if (entries.problem() != null) {
        AppendLog.Problem p = entries.problem();
        boolean journaled = p.index() >= jo.base() && jo.base() + jo.frames().size() > p.index();
        if (!journaled && (!p.atTail() || p.index() < signedSize)) {
          throw DwException.integrity(logFile + ": entry " + p.index() + " at offset " + p.offset() + " is damaged ("
              + p.reason() + ")" + (p.index() < signedSize ? "; it is covered by a signed checkpoint of "
              + signedSize + " entries, so it was acknowledged: the ledger was tampered with" : ""));
        }
        recovered.add(cut(entries, dir, LOG_FILE));
      }
      List<Journal.Frame> attachments = replay(jo, entries, tree, visitor, logFile);
      if (latest != null) {
        checkCheckpoint(key, latest, tree, logFile);
      }
      return new Ledger(dir, time, key, entries, cps, tree, n[0], latest, recovered, journal, attachments);
    } catch (RuntimeException e) {
      entries.close();
      if (cps != null) {
        cps.close();
      }
      if (journal != null) {
        try {
          journal.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /**
   * Writes the journal's frames that {@code ledger.log} lacks to it (unforced: the journal still
   * holds them) and checks that the ones it has are the same entries; returns the frames that carry
   * record bytes.
   */
  private static List<Journal.Frame> replay(Journal.Opened jo, AppendLog entries, MerkleTree tree, AppendLog.Visitor visitor,
      Path logFile) {
    List<Journal.Frame> attachments = new java.util.ArrayList<>();
    long replayed = 0;
    for (Journal.Frame f : jo.frames()) {
      long count = entries.count();
      if (f.index() < count) {
        if (!java.util.Arrays.equals(entries.read(f.index()), f.entry())) {
          throw DwException.integrity(logFile + ": entry " + f.index() + " differs from the one the journal "
              + jo.journal().file() + " committed: the ledger or the journal was altered");
        }
      } else if (f.index() == count) {
        entries.append(f.entry());
        tree.appendEntry(f.entry());
        visitor.visit(f.index(), f.entry());
        replayed++;
      } else {
        throw DwException.integrity(jo.journal().file() + " starts at entry " + f.index() + " but " + logFile + " has only "
            + count + ": entries in between are missing");
      }
      if (f.recordId() != null) {
        attachments.add(f);
      }
    }
    long expected = jo.base() + jo.frames().size();
    if (entries.count() < expected) {
      throw DwException.integrity(logFile + " has " + entries.count() + " entries, but " + jo.journal().file() + " says "
          + expected + " were written to it and forced: acknowledged entries were removed (the ledger was truncated or replaced)");
    } else if (entries.count() > expected) {
      throw DwException.integrity(logFile + " has " + entries.count() + " entries, but " + jo.journal().file() + " committed "
          + "only " + expected + ": entries were added behind the ledger's back");
    }
    if (replayed > 0) {
      LOG.warn("{}: replayed {} entr{} from the journal that the ledger file lacked (the process stopped before it "
          + "forced them there)", logFile, replayed, replayed == 1 ? "y" : "ies");
    }
    return attachments;
  }

  private static TornTail cut(AppendLog log, Path dir, String name) {
    AppendLog.Problem p = log.problem();
    Path evidence = dir.resolve(EVIDENCE_DIR).resolve(name + "-torn-at-" + p.offset() + "-" + System.nanoTime() + ".bin");
    long bytes = log.truncateTail(evidence);
    LOG.warn("{}: cut off a torn record at offset {} ({} bytes, {}), left by an interrupted write; the bytes are kept in {}",
        log.file(), p.offset(), bytes, p.reason(), evidence);
    return new TornTail(name, p.index(), p.offset(), bytes, p.reason(), evidence);
  }

  private static void checkCheckpoint(SigningKey key, Checkpoint c, MerkleTree tree, Path logFile) {
    LedgerVerifier.forKey(key.publicKey()).verifyCheckpoint(c).orThrow();
    if (!c.origin().equals(key.origin())) {
      throw DwException.integrity("checkpoint " + c + " belongs to log " + c.origin() + ", this ledger is " + key.origin());
    }
    if (c.treeSize() > tree.size()) {
      throw DwException.integrity(logFile + " has " + tree.size() + " entries, but a checkpoint signed at " + c.timestamp()
          + " covers " + c.treeSize() + ": acknowledged entries were removed (the ledger was truncated)");
    }
    String actual = HexFormat.of().formatHex(tree.rootAt(c.treeSize()));
    if (!actual.equals(c.rootHash())) {
      throw DwException.integrity(logFile + ": the first " + c.treeSize() + " entries hash to root " + actual
          + ", but the checkpoint signed at " + c.timestamp() + " says " + c.rootHash()
          + ": entries were altered, reordered or replaced");
    }
  }

  /** The directory of the ledger. */
  public Path directory() {
    return dir;
  }

  /** Torn tails cut off while opening (empty normally). */
  public List<TornTail> recovered() {
    return recovered;
  }

  /** The log's origin name. */
  public String origin() {
    return key.origin();
  }

  /** The key checkpoints are signed with. */
  public SigningKey key() {
    return key;
  }

  /** Entries appended (durable or not). */
  public long size() {
    return size;
  }

  /** Entries known to be on disk (in the journal, and written to {@code ledger.log}). */
  public long durableSize() {
    writeDurable(durable);
    return entries.count();
  }

  /**
   * The journal's frames that carried record bytes when the ledger was opened (after a crash, the
   * data files they committed may be missing or torn; the owner checks them). Empty after a clean
   * close.
   */
  public List<Journal.Frame> journaled() {
    return journaled;
  }

  /**
   * Sets what runs before the journal is reset: it must make the data files of the given records
   * (written since the last reset) durable, with their directory entries.
   */
  public void onJournalReset(java.util.function.Consumer<List<String>> forceRecords) {
    this.beforeReset = forceRecords;
  }

  /**
   * Appends an entry (not yet durable: call {@link #sync}).
   *
   * @return its index, which is also its leaf index in the tree
   */
  public long append(byte[] entry) {
    return append(i -> entry, null, null);
  }

  /**
   * Appends the entry {@code entry} makes for the index it will get (for entries that state their
   * own position); not yet durable.
   */
  public long append(java.util.function.LongFunction<byte[]> entry) {
    return append(entry, null, null);
  }

  /**
   * Appends an entry, with the bytes of the record it commits carried in its journal frame when
   * {@code recordId} is not null: {@link #sync} then makes both durable with one force, and the
   * record's data file may be written unforced (it is forced before the journal is reset, and
   * rebuilt from the frame after a crash).
   */
  public long append(java.util.function.LongFunction<byte[]> entry, String recordId, byte[] content) {
    lock.lock();
    try {
      long index = size;
      byte[] bytes = entry.apply(index);
      if (bytes.length == 0 || bytes.length > AppendLog.MAX_RECORD) {
        throw DwException.invalidArgument("a ledger entry is 1.." + AppendLog.MAX_RECORD + " bytes, got " + bytes.length);
      }
      long frame = Journal.frameSize(bytes, recordId == null ? null : recordId.getBytes(java.nio.charset.StandardCharsets.UTF_8),
          content);
      if (!journal.everFits(frame)) {
        throw DwException.invalidArgument("a journal frame of " + frame + " bytes does not fit the journal");
      }
      if (!journal.fits(frame)) {
        flushJournalLocked();
      }
      try {
        journal.append(index, bytes, recordId, content);
      } catch (IOException e) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "cannot append to " + journal.file() + ": " + e.getMessage(), e);
      }
      tree.appendEntry(bytes);
      fileLock.lock();
      try {
        pending.addLast(bytes);
      } finally {
        fileLock.unlock();
      }
      if (recordId != null) {
        attached.add(recordId);
      }
      size = index + 1;
      return index;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes entries up to {@code index} durable: one force of the journal covers every entry appended
   * before it (group commit); then the durable entries are written to {@code ledger.log}.
   */
  public void sync(long index) {
    if (index >= durable) {
      syncLock.lock();
      try {
        if (index >= durable) {
          long target = size;
          journal.force();
          durable = target;
        }
      } catch (IOException e) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "cannot force " + journal.file() + " to disk: " + e.getMessage(), e);
      } finally {
        syncLock.unlock();
      }
    }
    writeDurable(durable);
  }

  /** Writes the pending entries below {@code upTo} to {@code ledger.log}, in order. */
  private void writeDurable(long upTo) {
    if (entries.count() >= upTo) {
      return;
    }
    fileLock.lock();
    try {
      while (entries.count() < upTo) {
        entries.append(pending.peekFirst());
        pending.removeFirst();
      }
    } finally {
      fileLock.unlock();
    }
  }

  /**
   * Makes everything the journal holds durable in its final place (the data files through the
   * {@linkplain #onJournalReset hook}, then {@code ledger.log}) and empties the journal. Done when
   * the journal is full and on close; after it, a crash has nothing to replay.
   */
  public void flushJournal() {
    lock.lock();
    try {
      if (journal.frames() > 0) {
        flushJournalLocked();
      }
    } finally {
      lock.unlock();
    }
  }

  private void flushJournalLocked() {
    long target = size;
    if (target > 0) {
      sync(target - 1); // forces the journal and writes what it synced to ledger.log
    }
    java.util.function.Consumer<List<String>> hook = beforeReset;
    if (hook != null && !attached.isEmpty()) {
      hook.accept(List.copyOf(attached));
    }
    entries.syncAll();
    try {
      journal.reset(target);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot reset " + journal.file() + ": " + e.getMessage(), e);
    }
    attached.clear();
  }

  /** Appends an entry and makes it durable. */
  public long appendDurable(byte[] entry) {
    long index = append(entry);
    sync(index);
    return index;
  }

  /** Entry {@code index} as stored on disk (checksum checked). */
  public byte[] entry(long index) {
    if (index < entries.count()) {
      return entries.read(index);
    }
    writeDurable(durable);
    if (index < entries.count()) {
      return entries.read(index);
    }
    fileLock.lock();
    try {
      long at = entries.count();
      for (byte[] e : pending) {
        if (at++ == index) {
          return e.clone();
        }
      }
    } finally {
      fileLock.unlock();
    }
    return entries.read(index); // out of range: its NOT_FOUND
  }

  /** The leaf hash of entry {@code index}, as the tree holds it. */
  public byte[] leafHash(long index) {
    lock.lock();
    try {
      return tree.leafHashAt(index);
    } finally {
      lock.unlock();
    }
  }

  /** The tree head of the first {@code size} entries. */
  public byte[] rootAt(long size) {
    lock.lock();
    try {
      return tree.rootAt(size);
    } finally {
      lock.unlock();
    }
  }

  /** The latest signed checkpoint, or null when none was made yet. */
  public Checkpoint latestCheckpoint() {
    return latest;
  }

  /** Number of checkpoints in the checkpoint log. */
  public int checkpointCount() {
    checkpointLock.lock();
    try {
      return checkpointCount;
    } finally {
      checkpointLock.unlock();
    }
  }

  /** Checkpoint {@code i} (0 is the oldest), read back from disk. */
  public Checkpoint checkpoint(int i) {
    return Json.fromBytes(checkpointLog.read(i), Checkpoint.class, checkpointLog.file() + " record " + i);
  }

  /**
   * Signs and stores a checkpoint of every durable entry, or returns the latest one when nothing
   * was made durable since. The checkpoint is durable when this returns.
   */
  public Checkpoint checkpoint() {
    long appended = this.size;
    if (appended > 0) {
      sync(appended - 1); // forces the journal and writes what it synced to ledger.log
    }
    checkpointLock.lock();
    try {
      long size = entries.count();
      Checkpoint last = latest;
      if (last != null && last.treeSize() == size) {
        return last;
      }
      byte[] root = rootAt(size);
      java.time.Instant now = time.now().truncatedTo(ChronoUnit.MILLIS);
      if (last != null && now.isBefore(last.timestamp())) {
        now = last.timestamp(); // never date a larger tree before a smaller one, even if the clock stepped back
      }
      Checkpoint c = key.sign(size, root, now);
      long i = checkpointLog.append(Json.toBytes(c));
      checkpointLog.sync(i);
      checkpointCount++;
      latest = c;
      return c;
    } finally {
      checkpointLock.unlock();
    }
  }

  /**
   * The inclusion proof of entry {@code index} in the tree of {@code treeSize} entries.
   *
   * @throws DwException INVALID_ARGUMENT when the index or size is out of range
   */
  public InclusionProof inclusionProof(long index, long treeSize) {
    lock.lock();
    try {
      if (treeSize < 1 || treeSize > tree.size() || index < 0 || index >= treeSize) {
        throw DwException.invalidArgument("no inclusion proof for entry " + index + " in a tree of " + treeSize
            + " entries (the ledger has " + tree.size() + ")");
      }
      return new InclusionProof(index, treeSize, hex(tree.inclusionPath(index, treeSize)));
    } finally {
      lock.unlock();
    }
  }

  /**
   * The consistency proof from the tree of {@code fromSize} entries to the tree of {@code toSize}.
   *
   * @throws DwException INVALID_ARGUMENT when the sizes are out of range
   */
  public ConsistencyProof consistencyProof(long fromSize, long toSize) {
    lock.lock();
    try {
      if (fromSize < 0 || toSize < fromSize || toSize > tree.size()) {
        throw DwException.invalidArgument("no consistency proof from " + fromSize + " to " + toSize
            + " entries (the ledger has " + tree.size() + ")");
      }
      List<byte[]> path = toSize == 0 ? List.of() : tree.consistencyPath(fromSize, toSize);
      return new ConsistencyProof(fromSize, toSize, hex(path));
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code entry} hashes to the tree's leaf {@code index}. */
  public boolean matchesLeaf(long index, byte[] entry) {
    lock.lock();
    try {
      return MessageDigest.isEqual(tree.leafHash(entry), tree.leafHashAt(index));
    } finally {
      lock.unlock();
    }
  }

  private static List<String> hex(List<byte[]> hashes) {
    HexFormat hex = HexFormat.of();
    return hashes.stream().map(hex::formatHex).toList();
  }

  @Override
  public void close() {
    close(true);
  }

  /**
   * Closes the ledger without emptying the journal: for an owner that failed (or failed to
   * recover), whose data files the journal may still have to restore at the next open.
   */
  public void closeKeepingJournal() {
    close(false);
  }

  /** Closes the ledger; a clean close ({@code flush}) empties the journal first (see {@link #flushJournal}). */
  private void close(boolean flush) {
    try {
      if (flush) {
        flushJournal();
      } else {
        writeDurable(durable);
        entries.syncAll(); // the frames are checked against the file when it is reopened
      }
    } finally {
      entries.close();
      checkpointLog.close();
      try {
        journal.close();
      } catch (IOException e) {
        LOG.warn("cannot close {}: {}", journal.file(), e.getMessage());
      }
    }
  }
}
