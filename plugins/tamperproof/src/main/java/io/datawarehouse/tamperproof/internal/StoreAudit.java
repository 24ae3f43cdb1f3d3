package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.tamperproof.Incident;
import io.datawarehouse.tamperproof.Incident.Kind;
import io.datawarehouse.tamperproof.RecordInfo;
import io.datawarehouse.tamperproof.VerifyReport;
import io.datawarehouse.tamperproof.ledger.Checkpoint;
import io.datawarehouse.tamperproof.ledger.ConsistencyProof;
import io.datawarehouse.tamperproof.ledger.LedgerVerifier;
import io.datawarehouse.tamperproof.ledger.Verification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A read-only audit of a store's files: the signing key, every signed checkpoint, every ledger
 * entry, and every record's bytes and metadata, reporting each discrepancy as an {@link Incident}
 * that names the record where it can. {@code dw worm verify} runs it on a data directory with no
 * store open ("cold"); the integrity scan runs it beside the running store ("hot"), which adds the
 * store's in-memory leaf hashes as a second witness, so an edited or reordered entry is pinned to
 * its exact index.
 *
 * <p>Steps, each independent of the writer's decisions:
 *
 * <ol>
 *   <li>Key: the trusted key (given, or the store's own), checked against the key files.
 *   <li>Checkpoints: each signature checked with {@link LedgerVerifier}; sizes and times never go
 *       back.
 *   <li>Entries: read with checksums, past damaged records; each parsed (an entry states its own
 *       index, so a moved entry is caught) and replayed into a fresh {@link RecordIndex}, whose
 *       consistency rules catch impossible histories.
 *   <li>Tree: the root at every checkpoint's size must equal the signed root; the first checkpoint
 *       that does not bounds the altered entries. The latest good root is recomputed by {@link
 *       LedgerVerifier#treeHead} and consecutive checkpoints are linked by consistency proofs that
 *       the verifier checks, so the writer's tree code is not trusted alone.
 *   <li>Records: each existing record's data file re-hashed (rate-limited) and compared with its
 *       WRITE entry; its metadata file compared with the replayed state; data files no entry
 *       accounts for, and metadata that points past the end of the ledger, reported.
 * </ol>
 */
public final class StoreAudit {
  private static final HexFormat HEX = HexFormat.of();
  private static final int MAX_NAMED = 50;

  /** What the running store knows: its durable ledger size, leaf hashes and state. */
  public interface Trusted {
    long size();

    byte[] leafHash(long index);

    RecordIndex index();

    /** Whether {@code id} is being written right now (its data file may precede its entry). */
    boolean inFlight(String id);
  }

  /** Receives progress: records checked, records to check, bytes checked. */
  @FunctionalInterface
  public interface Progress {
    void update(long recordsDone, long recordsTotal, long bytesDone);
  }

  /**
   * What to audit and against what.
   *
   * @param trustedKey the public key to trust; null to trust the store's own key file
   * @param trustedCheckpoint a checkpoint kept elsewhere, to catch a rewritten ledger; or null
   * @param onlyRecord check only this record's files (the ledger is always checked); or null
   * @param limiter limits the bytes read per second
   * @param progress progress receiver, or null
   * @param trusted the running store's state (a hot scan), or null
   * @param repairMetadata called with the ledger's state of a record whose metadata file is wrong
   */
  public record Options(PublicKey trustedKey, Checkpoint trustedCheckpoint, String onlyRecord, RateLimiter limiter,
      Progress progress, Trusted trusted, Consumer<RecordInfo> repairMetadata) {}

  /** The report, and the state the ledger's entries replay to. */
  public record Result(VerifyReport report, RecordIndex index, long ledgerEntries) {}

  private final Path dataDir;
  private final Path ledgerDir;
  private final Options o;
  private final Time time;
  private final RecordFiles files;
  private final List<Incident> incidents = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Set<Long> reportedEntries = new HashSet<>();
  private final List<byte[]> leaves = new ArrayList<>();
  private final RecordIndex index = new RecordIndex();
  private final MerkleTree tree = new MerkleTree();
  private final java.util.Map<Long, byte[]> recordEntries = new java.util.HashMap<>();
  /** Records whose bytes a journal frame beyond {@code ledger.log} carries (offline audits only). */
  private final java.util.Map<String, byte[]> journaledContent = new java.util.HashMap<>();
  /**
   * An offline audit of a store that stopped without a close: its running marker is there and no
   * store holds its lock.
   */
  private boolean uncleanStop;
  private Checkpoint lastGood;
  private long[] altered;
  private Checkpoint alteredAt;
  private String alteredRoot;
  private LedgerVerifier verifier;
  private long checkpointsChecked;
  private long maxSigned;

  private StoreAudit(Path dataDir, Options o, Time time) {
    this.dataDir = dataDir;
    this.ledgerDir = dataDir.resolve("ledger");
    this.o = o;
    this.time = time;
    this.files = new RecordFiles(dataDir);
  }

  /**
   * Audits the store in {@code dataDir}, changing nothing (except metadata files when {@code
   * repairMetadata} is given).
   *
   * @throws DwException NOT_FOUND when {@code onlyRecord} names no record; CANCELLED when interrupted
   */
  public static Result run(Path dataDir, Options o, Time time) {
    return new StoreAudit(dataDir, o, time).run();
  }

  private Result run() {
    long t0 = time.nanoTime();
    if (!Files.isDirectory(ledgerDir)) {
      throw DwException.notFound("no tamperproof store in " + dataDir + " (it has no ledger/ directory)");
    }
    boolean marker = o.trusted() == null && Files.exists(dataDir.resolve("state").resolve("running"));
    uncleanStop = marker && !openElsewhere();
    if (marker) {
      notes.add("the store is open, or was not closed cleanly: the last writes before a crash can leave files the "
          + "ledger does not name yet; open the store once (it recovers) and verify again before treating those as tampering");
    }
    checkKey();
    List<Checkpoint> signed = checkCheckpoints();
    readEntries();
    checkTree(signed);
    if (o.trusted() != null) {
      compareWithTrusted();
    }
    if (o.onlyRecord() != null) {
      proveRecord(o.onlyRecord());
    }
    long[] counts = checkRecords();
    if (altered != null) {
      reportAltered(altered[0], altered[1], alteredAt, alteredRoot);
    }
    VerifyReport report = new VerifyReport(incidents.isEmpty(), counts[0], counts[1], leaves.size(), checkpointsChecked,
        incidents, notes, Duration.ofNanos(time.nanoTime() - t0));
    return new Result(report, index, leaves.size());
  }

  /**
   * Whether a store holds the directory's lock now (in this process or another). Tried with a lock
   * taken and let go at once; no file is created or changed.
   */
  private boolean openElsewhere() {
    Path lock = dataDir.resolve("state").resolve("lock");
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lock, java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.channels.FileLock l = ch.tryLock();
      if (l == null) {
        return true;
      }
      l.release();
      return false;
    } catch (java.nio.channels.OverlappingFileLockException e) {
      return true; // held by this process
    } catch (java.io.IOException e) {
      return false; // no lock file: no store has it open
    }
  }

  // -- key ------------------------------------------------------------------------------------

  private void checkKey() {
    Path keyFile = ledgerDir.resolve(Ledger.KEY_FILE);
    Path pubFile = ledgerDir.resolve(Ledger.PUBLIC_KEY_FILE);
    PublicKey own = null;
    if (Files.exists(keyFile)) {
      try {
        own = SigningKey.load(keyFile).publicKey();
      } catch (DwException e) {
        incident(Kind.KEY_PROBLEM, null, null, null, keyFile.toString(), "the signing key cannot be read: " + e.getMessage());
      }
    } else {
      incident(Kind.KEY_PROBLEM, null, null, null, keyFile.toString(), "the ledger's signing key is missing");
    }
    if (Files.exists(pubFile)) {
      try {
        PublicKey pub = LedgerVerifier.parsePublicKey(Files.readString(pubFile, java.nio.charset.StandardCharsets.US_ASCII));
        if (own != null && !LedgerVerifier.keyIdOf(own).equals(LedgerVerifier.keyIdOf(pub))) {
          incident(Kind.KEY_PROBLEM, null, LedgerVerifier.keyIdOf(own), LedgerVerifier.keyIdOf(pub), pubFile.toString(),
              "the public key file does not match the signing key");
        }
        if (own == null) {
          own = pub;
        }
      } catch (DwException | java.io.IOException e) {
        incident(Kind.KEY_PROBLEM, null, null, null, pubFile.toString(), "the public key file cannot be read: " + e.getMessage());
      }
    }
    PublicKey trusted = o.trustedKey() != null ? o.trustedKey() : own;
    if (o.trustedKey() != null && own != null && !LedgerVerifier.keyIdOf(own).equals(LedgerVerifier.keyIdOf(o.trustedKey()))) {
      incident(Kind.KEY_PROBLEM, null, LedgerVerifier.keyIdOf(o.trustedKey()), LedgerVerifier.keyIdOf(own), keyFile.toString(),
          "the store's signing key is not the trusted key: its checkpoints may have been re-signed");
    }
    if (trusted != null) {
      verifier = LedgerVerifier.forKey(trusted);
    } else {
      notes.add("no public key: checkpoint signatures cannot be checked");
    }
  }

  // -- checkpoints ----------------------------------------------------------------------------

  private List<Checkpoint> checkCheckpoints() {
    Path cpFile = ledgerDir.resolve(Ledger.CHECKPOINT_FILE);
    List<Checkpoint> valid = new ArrayList<>();
    if (!Files.exists(cpFile)) {
      notes.add("no checkpoints file: nothing was signed yet");
    } else {
      List<AppendLog.Problem> problems;
      Checkpoint[] last = {null};
      try {
        problems = AppendLog.audit(cpFile, Ledger.CHECKPOINT_MAGIC, (i, off, b, ok) -> {
          if (!ok) {
            return;
          }
          Checkpoint c;
          try {
            c = Json.fromBytes(b, Checkpoint.class, cpFile + " record " + i);
          } catch (DwException e) {
            incident(Kind.CHECKPOINT_INVALID, null, null, null, cpFile + " record " + i, "not a checkpoint: " + e.getMessage());
            return;
          }
          if (verifier != null) {
            Verification v = verifier.verifyCheckpoint(c);
            if (!v.valid()) {
              incident(Kind.CHECKPOINT_INVALID, null, null, null, cpFile + " record " + i, v.reason());
              return;
            }
          }
          if (last[0] != null && (c.treeSize() < last[0].treeSize() || c.timestamp().isBefore(last[0].timestamp())
              || !c.origin().equals(last[0].origin()))) {
            incident(Kind.CHECKPOINT_INVALID, null, last[0].toString(), c.toString(), cpFile + " record " + i,
                "checkpoint " + i + " goes back from the one before it, or names another log");
            return;
          }
          last[0] = c;
          valid.add(c);
        });
      } catch (DwException e) {
        incident(Kind.CHECKPOINT_INVALID, null, null, null, cpFile.toString(), e.getMessage());
        problems = List.of();
      }
      for (AppendLog.Problem p : problems) {
        if (p.atTail() && p == problems.get(problems.size() - 1) && !p.reason().contains("checksum")) {
          notes.add(cpFile + ": a torn record at offset " + p.offset() + " (an interrupted write; cut at the next open)");
        } else {
          incident(Kind.CHECKPOINT_INVALID, null, null, null, cpFile + " offset " + p.offset(),
              "checkpoint " + p.index() + " is damaged: " + p.reason());
        }
      }
    }
    if (o.trustedCheckpoint() != null) {
      Checkpoint t = o.trustedCheckpoint();
      Verification v = verifier == null ? Verification.failed("no key to check it with") : verifier.verifyCheckpoint(t);
      if (!v.valid()) {
        incident(Kind.CHECKPOINT_INVALID, null, null, null, "the trusted checkpoint", v.reason());
      } else {
        valid.add(t);
        valid.sort(java.util.Comparator.comparingLong(Checkpoint::treeSize));
      }
    }
    for (Checkpoint c : valid) {
      maxSigned = Math.max(maxSigned, c.treeSize());
    }
    return valid;
  }

  // -- entries --------------------------------------------------------------------------------

  private void readEntries() {
    Path log = ledgerDir.resolve(Ledger.LOG_FILE);
    if (!Files.exists(log)) {
      incident(Kind.LEDGER_TRUNCATED, null, maxSigned + " entries", "no ledger file", log.toString(),
          "the ledger file is missing");
      return;
    }
    long limit = o.trusted() == null ? Long.MAX_VALUE : o.trusted().size();
    List<AppendLog.Problem> problems;
    try {
      problems = AppendLog.audit(log, Ledger.ENTRY_MAGIC, (i, off, bytes, ok) -> visitEntry(i, off, bytes, ok, log));
    } catch (DwException e) {
      incident(Kind.LEDGER_DAMAGED, null, null, null, log.toString(), e.getMessage());
      return;
    }
    if (o.trusted() == null) {
      mergeJournal(log);
    }
    for (AppendLog.Problem p : problems) {
      if (p.reason().contains("checksum")) {
        continue; // reported with the entry
      }
      if (p.index() >= limit) {
        continue; // a concurrent append, beyond what the running store had made durable
      }
      if (p.index() < maxSigned && leaves.size() < maxSigned) {
        incident(Kind.LEDGER_TRUNCATED, null, maxSigned + " entries", p.index() + " entries", log + " offset " + p.offset(),
            "the ledger ends at entry " + p.index() + " (" + p.reason() + ") but a signed checkpoint covers " + maxSigned
                + ": acknowledged entries were cut off");
      } else {
        notes.add(log + ": a torn record at offset " + p.offset() + " after entry " + p.index()
            + " (an interrupted write; cut at the next open)");
      }
    }
  }

  private void visitEntry(long i, long off, byte[] bytes, boolean ok, Path log) {
    byte[] leaf = tree.leafHash(bytes);
    leaves.add(leaf);
    tree.appendLeafHash(leaf);
    LedgerEvent e = parseEntry(i, off, bytes, log);
    if (e != null && o.onlyRecord() != null && o.onlyRecord().equals(e.id())) {
      recordEntries.put(i, bytes);
    }
    if (!ok) {
      reportedEntries.add(i);
      incident(Kind.LEDGER_DAMAGED, e == null ? null : e.id(), null, null, log + " entry " + i + " offset " + off,
          "ledger entry " + i + " fails its checksum (it was altered)");
    }
    if (e == null) {
      index.skip(i);
      return;
    }
    try {
      index.apply(i, e);
    } catch (DwException ex) {
      index.skip(i);
      reportedEntries.add(i);
      incident(Kind.LEDGER_INCONSISTENT, e.id(), null, null, log + " entry " + i, ex.getMessage());
    }
  }

  /**
   * Reads the journal's frames as part of the ledger, without changing any file. After a crash
   * (or a stop without close) the journal holds acknowledged entries that {@code ledger.log} did
   * not get yet, and the bytes of the small records they wrote; the store's next open writes them
   * there. So the audit checks those entries like the file's own (tree, checkpoints, records), and
   * a journaled record's data file that is missing or torn is judged by the journal's copy (also
   * when its entry reached {@code ledger.log}: the data file of a small record is written behind its
   * writer, and the open restores it from any frame of the journal). A
   * frame that disagrees with the entry {@code ledger.log} holds at its index, or a journal that
   * starts past the end of {@code ledger.log}, is an incident (the open refuses both).
   */
  private void mergeJournal(Path log) {
    Path file = ledgerDir.resolve(Journal.FILE);
    List<Journal.Frame> frames;
    try {
      frames = Journal.read(file);
    } catch (DwException e) {
      incident(Kind.LEDGER_DAMAGED, null, null, null, file.toString(), e.getMessage());
      return;
    }
    long n = leaves.size();
    if (!frames.isEmpty() && frames.get(0).index() > n) {
      incident(Kind.LEDGER_TRUNCATED, null, frames.get(0).index() + " entries", n + " entries", log.toString(),
          "the ledger file ends at entry " + n + " but the journal starts at entry " + frames.get(0).index()
              + ": entries made durable before it were cut off");
      return;
    }
    long merged = 0;
    for (Journal.Frame f : frames) {
      long i = f.index();
      if (i < n) {
        if (!java.util.Arrays.equals(tree.leafHash(f.entry()), leaves.get((int) i))) {
          if (!reportedEntries.contains(i)) {
            reportedEntries.add(i);
            incident(Kind.LEDGER_ENTRY_ALTERED, null, null, null, log + " entry " + i,
                "ledger entry " + i + " differs from the copy the journal made durable before it: the ledger file was altered");
          }
        } else if (f.recordId() != null && f.content() != null) {
          // the entry reached ledger.log, its record's data file maybe not yet (it is written
          // behind the writer, and forced only before the journal is emptied)
          journaledContent.put(f.recordId(), f.content());
        }
        continue;
      }
      if (i != leaves.size()) { // frames follow each other; anything else is damage the open refuses too
        incident(Kind.LEDGER_DAMAGED, null, leaves.size() + "", i + "", file.toString(),
            "the journal's frame for entry " + i + " follows entry " + (leaves.size() - 1) + ": frames are missing or moved");
        break;
      }
      visitEntry(i, -1, f.entry(), true, file);
      if (f.recordId() != null && f.content() != null) {
        journaledContent.put(f.recordId(), f.content());
      }
      merged++;
    }
    if (merged > 0) {
      notes.add(log + " holds " + n + " entries; " + Journal.FILE + " holds " + merged + " more, made durable there "
          + "before a crash or a stop without close, checked here with the others: opening the store writes them to the "
          + "ledger file and restores the data files they carry");
    }
  }

  /**
   * Whether a journal frame beyond {@code ledger.log} carries {@code r}'s bytes and they verify:
   * then a missing or torn data file is what a crash leaves, restored at the next open, and is
   * noted instead of reported.
   */
  private boolean restorableFromJournal(RecordInfo r, String problem) {
    byte[] c = journaledContent.get(r.id());
    if (c == null || c.length != r.size()
        || !HexFormat.of().formatHex(MerkleTree.sha256().digest(c)).equals(r.sha256())) {
      return false;
    }
    notes.add("record " + r.id() + ": its data file " + problem + "; " + Journal.FILE + " holds its bytes, which verify: "
        + "the next open restores the file");
    return true;
  }

  private LedgerEvent parseEntry(long i, long offset, byte[] bytes, Path log) {
    try {
      return LedgerEvent.parse(i, bytes);
    } catch (DwException e) {
      LedgerEvent loose = null;
      try {
        loose = Json.fromBytes(bytes, LedgerEvent.class, "ledger entry " + i);
      } catch (DwException unreadable) {
        // not even JSON
      }
      reportedEntries.add(i);
      if (loose != null && loose.seq() != i) {
        incident(Kind.LEDGER_REORDERED, loose.id(), "entry " + i, "entry " + loose.seq(), log + " entry " + i + " offset " + offset,
            "ledger entry at position " + i + " says it is entry " + loose.seq() + ": entries were moved");
      } else {
        incident(Kind.LEDGER_ENTRY_ALTERED, loose == null ? null : loose.id(), null, null, log + " entry " + i,
            "ledger entry " + i + " is not a valid entry: " + e.getMessage());
      }
      return null;
    }
  }

  // -- tree -----------------------------------------------------------------------------------

  private void checkTree(List<Checkpoint> signed) {
    long n = leaves.size();
    if (maxSigned > n) {
      Set<String> named = new LinkedHashSet<>();
      if (o.trusted() != null) {
        for (long i = n; i < Math.min(maxSigned, o.trusted().size()) && named.size() < MAX_NAMED; i++) {
          addName(named, o.trusted().index().recordOf(i));
        }
      }
      incident(Kind.LEDGER_TRUNCATED, null, maxSigned + " entries", n + " entries", ledgerDir.resolve(Ledger.LOG_FILE).toString(),
          "the ledger has " + n + " entries but a signed checkpoint covers " + maxSigned
              + ": acknowledged entries were removed" + (named.isEmpty() ? "" : "; records concerned: " + named));
      for (String id : named) {
        incident(Kind.LEDGER_TRUNCATED, id, null, null, ledgerDir.resolve(Ledger.LOG_FILE).toString(),
            "an entry about record " + id + " was cut off the ledger");
      }
    }
    Checkpoint good = null;
    for (Checkpoint c : signed) {
      if (c.treeSize() > n) {
        break;
      }
      checkpointsChecked++;
      String actual = HEX.formatHex(tree.rootAt(c.treeSize()));
      if (!actual.equals(c.rootHash())) {
        long from = good == null ? 0 : good.treeSize();
        altered = new long[] {from, c.treeSize()};
        alteredAt = c;
        alteredRoot = actual;
        lastGood = good;
        return;
      }
      if (good != null && verifier != null && good.treeSize() < c.treeSize()) {
        ConsistencyProof p = new ConsistencyProof(good.treeSize(), c.treeSize(),
            tree.consistencyPath(good.treeSize(), c.treeSize()).stream().map(HEX::formatHex).toList());
        Verification v = verifier.verifyConsistency(p, good, c);
        if (!v.valid()) {
          incident(Kind.CHECKPOINT_INVALID, null, null, null, ledgerDir.resolve(Ledger.CHECKPOINT_FILE).toString(), v.reason());
        }
      }
      good = c;
    }
    lastGood = good;
    if (good != null) {
      byte[] independent = LedgerVerifier.treeHead(leaves.subList(0, (int) good.treeSize()));
      if (!HEX.formatHex(independent).equals(good.rootHash())) {
        incident(Kind.LEDGER_ENTRY_ALTERED, null, good.rootHash(), HEX.formatHex(independent),
            ledgerDir.resolve(Ledger.LOG_FILE).toString(), "the verifier's own tree head of the first " + good.treeSize()
                + " entries differs from the signed checkpoint");
      }
    }
  }

  /**
   * Reports entries {@code from..to-1} as altered. Without the running store's leaves the exact
   * entry is unknown: the records named are those with entries in the range that also failed a
   * check of their own (bytes or metadata disagreeing with the ledger), or, when none did, every
   * record with entries in the range.
   */
  private void reportAltered(long from, long to, Checkpoint c, String actualRoot) {
    Set<String> inRange = new LinkedHashSet<>();
    if (o.trusted() == null) {
      for (long i = from; i < to && inRange.size() < 10 * MAX_NAMED; i++) {
        if (!reportedEntries.contains(i)) {
          addName(inRange, index.recordOf(i));
        }
      }
    }
    Set<String> named = new LinkedHashSet<>();
    for (Incident i : incidents) {
      if (i.recordId() != null && inRange.contains(i.recordId())) {
        named.add(i.recordId());
      }
    }
    if (named.isEmpty()) {
      inRange.stream().limit(MAX_NAMED).forEach(named::add);
    }
    incident(Kind.LEDGER_ENTRY_ALTERED, null, c.rootHash(), actualRoot, ledgerDir.resolve(Ledger.LOG_FILE) + " entries " + from
        + ".." + (to - 1), "the first " + to + " entries hash to another root than the checkpoint signed at " + c.timestamp()
        + ": an entry between " + from + " and " + (to - 1) + " was altered, reordered or replaced"
        + (named.isEmpty() ? "" : "; records with entries there: " + named));
    if (o.trusted() == null) {
      for (String id : named) {
        incident(Kind.LEDGER_ENTRY_ALTERED, id, null, null, ledgerDir.resolve(Ledger.LOG_FILE) + " entries " + from + ".." + (to - 1),
            "record " + id + " has entries in the altered range of the ledger");
      }
    }
  }

  /**
   * Builds the record's proof (its WRITE and latest entries, included in the latest good
   * checkpoint) from the files and checks it with the verifier alone, as an outside party would.
   */
  private void proveRecord(String id) {
    RecordInfo r = index.get(id);
    if (r == null || verifier == null) {
      return;
    }
    if (lastGood == null || lastGood.treeSize() <= r.lastChange()) {
      notes.add("record " + id + ": no signed checkpoint covers its latest ledger entry " + r.lastChange()
          + " yet, so it cannot be proven to one (the store signs one within checkpoint.interval)");
      return;
    }
    List<io.datawarehouse.tamperproof.ledger.EntryProof> proofs = new ArrayList<>();
    for (long i : new long[] {r.ledgerIndex(), r.lastChange()}) {
      byte[] bytes = recordEntries.get(i);
      if (bytes == null || (i == r.lastChange() && i == r.ledgerIndex() && !proofs.isEmpty())) {
        continue;
      }
      proofs.add(new io.datawarehouse.tamperproof.ledger.EntryProof(i, java.util.Base64.getEncoder().encodeToString(bytes),
          new io.datawarehouse.tamperproof.ledger.InclusionProof(i, lastGood.treeSize(),
              tree.inclusionPath(i, lastGood.treeSize()).stream().map(HEX::formatHex).toList())));
    }
    io.datawarehouse.tamperproof.ledger.RecordProof proof = new io.datawarehouse.tamperproof.ledger.RecordProof(
        id, r.sha256(), lastGood, proofs, "");
    Verification v = verifier.verifyRecord(proof, null);
    if (!v.valid()) {
      incident(Kind.LEDGER_ENTRY_ALTERED, id, null, null, ledgerDir.resolve(Ledger.LOG_FILE).toString(),
          "record " + id + "'s ledger entries do not prove to the checkpoint of " + lastGood.treeSize() + " entries: " + v.reason());
    } else {
      notes.add("record " + id + ": its WRITE entry " + r.ledgerIndex() + (r.lastChange() != r.ledgerIndex()
          ? " and latest entry " + r.lastChange() : "") + " are proven to the checkpoint of " + lastGood.treeSize()
          + " entries signed at " + lastGood.timestamp() + " (root " + lastGood.rootHash() + ")");
    }
  }

  private void compareWithTrusted() {
    Trusted t = o.trusted();
    long n = Math.min(t.size(), leaves.size());
    for (long i = 0; i < n; i++) {
      if (!MessageDigest.isEqual(leaves.get((int) i), t.leafHash(i)) && !reportedEntries.contains(i)) {
        String id = t.index().recordOf(i);
        incident(Kind.LEDGER_ENTRY_ALTERED, id, HEX.formatHex(t.leafHash(i)), HEX.formatHex(leaves.get((int) i)),
            ledgerDir.resolve(Ledger.LOG_FILE) + " entry " + i, "ledger entry " + i + (id == null ? "" : " (about record " + id + ")")
                + " on disk differs from the one the store wrote");
      }
    }
    if (leaves.size() < t.size()) {
      for (long i = leaves.size(); i < t.size(); i++) {
        String id = t.index().recordOf(i);
        if (id != null) {
          incident(Kind.LEDGER_TRUNCATED, id, "entry " + i, "end of ledger at " + leaves.size(),
              ledgerDir.resolve(Ledger.LOG_FILE).toString(), "ledger entry " + i + " about record " + id + " was cut off the ledger");
        }
      }
    }
  }

  // -- records --------------------------------------------------------------------------------

  private long[] checkRecords() {
    RecordIndex view = o.trusted() != null ? o.trusted().index() : index;
    List<RecordInfo> todo = new ArrayList<>();
    if (o.onlyRecord() != null) {
      RecordInfo r = view.get(o.onlyRecord());
      if (r == null) {
        RecordInfo meta = safeMeta(o.onlyRecord());
        if (meta == null) {
          throw DwException.notFound("no record " + o.onlyRecord() + " in the ledger or on disk");
        }
        truncatedRecord(meta);
        return new long[] {0, 0};
      }
      if (r.exists()) {
        todo.add(r);
      }
    } else {
      for (RecordInfo r : view.all()) {
        if (r.exists() && (o.trusted() == null || r.ledgerIndex() < o.trusted().size())) {
          todo.add(r);
        }
      }
      todo.sort(java.util.Comparator.comparingLong(RecordInfo::ledgerIndex));
    }
    long done = 0;
    long bytes = 0;
    for (RecordInfo r : todo) {
      try {
        o.limiter().acquire(r.size());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw DwException.of(ErrorCode.CANCELLED, "the audit was interrupted after " + done + " of " + todo.size() + " records", e);
      }
      if (checkData(view, r)) {
        checkMeta(view, r);
      }
      done++;
      bytes += r.size();
      if (o.progress() != null) {
        o.progress().update(done, todo.size(), bytes);
      }
    }
    if (o.onlyRecord() == null) {
      checkStrayFiles(view);
    }
    return new long[] {done, bytes};
  }

  /** Checks a record's data file; false when the record was deleted meanwhile (a hot scan). */
  private boolean checkData(RecordIndex view, RecordInfo r) {
    Path file = files.dataFile(r.id());
    try {
      RecordFiles.Digest d = files.verify(r.id(), r.size());
      if (d == null) {
        d = files.read(r.id(), null); // the file's size is off: this names what is wrong
      }
      if ((!d.sha256().equals(r.sha256()) || d.size() != r.size())
          && !restorableFromJournal(r, "does not match (" + d.size() + " bytes, sha256 " + d.sha256() + ")")) {
        incident(Kind.DATA_MISMATCH, r.id(), r.sha256(), d.sha256(), file.toString(), "record " + r.id()
            + ": its bytes hash to " + d.sha256() + " (" + d.size() + " bytes), ledger entry " + r.ledgerIndex() + " says "
            + r.sha256() + " (" + r.size() + " bytes)");
      }
    } catch (DwException e) {
      if (!stillExists(view, r)) {
        return false;
      }
      if (restorableFromJournal(r, e.getCause() instanceof java.nio.file.NoSuchFileException ? "is missing"
          : "cannot be verified (" + e.getMessage() + ")")) {
        return true;
      }
      if (e.getCause() instanceof java.nio.file.NoSuchFileException) {
        incident(Kind.DATA_MISSING, r.id(), r.sha256(), null, file.toString(), "record " + r.id() + ": its data file is missing");
      } else {
        incident(e.getMessage().contains("missing") ? Kind.DATA_MISSING : Kind.DATA_MISMATCH, r.id(), r.sha256(), null,
            file.toString(), e.getMessage());
      }
    }
    return true;
  }

  private static boolean stillExists(RecordIndex view, RecordInfo r) {
    RecordInfo now = view.get(r.id());
    return now != null && now.exists();
  }

  private void checkMeta(RecordIndex view, RecordInfo r) {
    Path file = files.metaFile(r.id());
    RecordInfo meta;
    String problem;
    try {
      meta = files.readMeta(r.id());
      problem = meta == null ? "missing" : null;
    } catch (DwException e) {
      meta = null;
      problem = "damaged (" + e.getMessage() + ")";
    }
    if (meta != null && meta.lastChange() >= leaves.size()) {
      incident(Kind.LEDGER_TRUNCATED, r.id(), "entry " + meta.lastChange(), "end of ledger at " + leaves.size(), file.toString(),
          "record " + r.id() + "'s metadata reflects ledger entry " + meta.lastChange() + ", past the end of the ledger ("
              + leaves.size() + " entries): the ledger was truncated");
      return;
    }
    RecordInfo current = view.get(r.id());
    if (meta != null && (meta.equals(r) || meta.equals(current))) {
      return;
    }
    if (problem == null) {
      problem = "says sha256 " + meta.sha256() + ", retained until " + meta.retainUntil() + ", hold " + meta.legalHold()
          + " as of entry " + meta.lastChange();
    }
    if (uncleanStop) {
      // metadata files are written behind the ledger, unforced: after a crash any may be stale or
      // missing, and the next open rewrites them all from the ledger (the authority)
      notes.add("record " + r.id() + ": its metadata file is " + problem + " (the ledger says sha256 " + r.sha256()
          + " as of entry " + r.lastChange() + "); the store stopped without a close, and the next open rewrites it "
          + "from the ledger");
      return;
    }
    incident(Kind.METADATA_MISMATCH, r.id(), "sha256 " + r.sha256() + " as of entry " + r.lastChange(),
        meta == null ? null : "sha256 " + meta.sha256() + " as of entry " + meta.lastChange(), file.toString(),
        "record " + r.id() + ": its metadata file is " + problem + ", the ledger says sha256 " + r.sha256() + ", retained until "
            + r.retainUntil() + ", hold " + r.legalHold() + (o.repairMetadata() != null ? " (rewritten from the ledger)" : ""));
    if (o.repairMetadata() != null && current != null && current.exists()) {
      o.repairMetadata().accept(current);
    }
  }

  private void checkStrayFiles(RecordIndex view) {
    files.scanDirectories(false, id -> {
      RecordInfo r = view.get(id);
      if (r != null && r.exists()) {
        return;
      }
      if (o.trusted() != null && o.trusted().inFlight(id)) {
        return; // being written or deleted right now
      }
      RecordInfo meta = r == null ? safeMeta(id) : null;
      if (meta != null && meta.ledgerIndex() >= leaves.size()) {
        truncatedRecord(meta);
        return;
      }
      incident(Kind.UNEXPECTED_FILE, id, null, null, files.dataFile(id).toString(), r == null
          ? "a data file for record " + id + ", which the ledger never wrote"
          : "a data file for record " + id + ", which the ledger deleted at " + r.deletedAt());
    }, id -> { });
  }

  private void truncatedRecord(RecordInfo meta) {
    incident(Kind.LEDGER_TRUNCATED, meta.id(), "entry " + meta.ledgerIndex(), "end of ledger at " + leaves.size(),
        files.metaFile(meta.id()).toString(), "record " + meta.id() + " was written by ledger entry " + meta.ledgerIndex()
            + ", past the end of the ledger (" + leaves.size() + " entries): the ledger was truncated");
  }

  private RecordInfo safeMeta(String id) {
    try {
      return files.readMeta(id);
    } catch (DwException e) {
      return null;
    }
  }

  // -- helpers --------------------------------------------------------------------------------

  private static void addName(Set<String> named, String id) {
    if (id != null) {
      named.add(id);
    }
  }

  private void incident(Kind kind, String id, String expected, String actual, String where, String message) {
    incidents.add(new Incident(kind, id, expected, actual, where, message));
  }
}
