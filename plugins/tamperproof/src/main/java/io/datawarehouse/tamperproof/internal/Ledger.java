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
 *   evidence/         bytes cut off a torn tail at recovery, kept for inspection
 * </pre>
 *
 * <p>Invariants checked when opening: the key exists exactly when the ledger does; the latest
 * checkpoint is signed by the key, covers no more entries than the ledger has, and its root equals
 * the tree's root at its size; checkpoint sizes never decrease. A damaged record at the very end of
 * the ledger, past the latest checkpoint, is what a crash during an append leaves (the entry was
 * never acknowledged): it is cut off, its bytes kept under {@code evidence/}, and reported by
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

  private Ledger(Path dir, Time time, SigningKey key, AppendLog entries, AppendLog checkpointLog, MerkleTree tree,
      int checkpointCount, Checkpoint latest, List<TornTail> recovered) {
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
    try {
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
        if (!p.atTail() || p.index() < signedSize) {
          throw DwException.integrity(logFile + ": entry " + p.index() + " at offset " + p.offset() + " is damaged ("
              + p.reason() + ")" + (p.index() < signedSize ? "; it is covered by a signed checkpoint of "
              + signedSize + " entries, so it was acknowledged: the ledger was tampered with" : ""));
        }
        recovered.add(cut(entries, dir, LOG_FILE));
      }
      if (latest != null) {
        checkCheckpoint(key, latest, tree, logFile);
      }
      return new Ledger(dir, time, key, entries, cps, tree, n[0], latest, recovered);
    } catch (RuntimeException e) {
      entries.close();
      if (cps != null) {
        cps.close();
      }
      throw e;
    }
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
    return entries.count();
  }

  /** Entries known to be on disk. */
  public long durableSize() {
    return entries.durableCount();
  }

  /**
   * Appends an entry (not yet durable: call {@link #sync}).
   *
   * @return its index, which is also its leaf index in the tree
   */
  public long append(byte[] entry) {
    lock.lock();
    try {
      long index = entries.append(entry);
      tree.appendEntry(entry);
      return index;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Appends the entry {@code entry} makes for the index it will get (for entries that state their
   * own position); not yet durable.
   */
  public long append(java.util.function.LongFunction<byte[]> entry) {
    lock.lock();
    try {
      byte[] bytes = entry.apply(entries.count());
      long index = entries.append(bytes);
      tree.appendEntry(bytes);
      return index;
    } finally {
      lock.unlock();
    }
  }

  /** Makes entries up to {@code index} durable. */
  public void sync(long index) {
    entries.sync(index);
  }

  /** Appends an entry and makes it durable. */
  public long appendDurable(byte[] entry) {
    long index = append(entry);
    sync(index);
    return index;
  }

  /** Entry {@code index} as stored on disk (checksum checked). */
  public byte[] entry(long index) {
    return entries.read(index);
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
    entries.syncAll();
    checkpointLock.lock();
    try {
      long size = entries.durableCount();
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
    try {
      entries.syncAll();
    } finally {
      entries.close();
      checkpointLog.close();
    }
  }
}
