package io.datawarehouse.tamperproof;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.tamperproof.internal.Journal;
import io.datawarehouse.tamperproof.internal.Ledger;
import io.datawarehouse.tamperproof.internal.LedgerEvent;
import io.datawarehouse.tamperproof.internal.RateLimiter;
import io.datawarehouse.tamperproof.internal.RecordFiles;
import io.datawarehouse.tamperproof.internal.RecordIndex;
import io.datawarehouse.tamperproof.internal.RemoteChange;
import io.datawarehouse.tamperproof.internal.StoreAudit;
import io.datawarehouse.tamperproof.ledger.Checkpoint;
import io.datawarehouse.tamperproof.ledger.EntryProof;
import io.datawarehouse.tamperproof.ledger.RecordProof;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-once records with retention and legal hold over a tamper-evident ledger: the tamperproof
 * plugin's engine, also used directly by {@code dw worm} on a data directory.
 *
 * <p>Design. The {@linkplain Ledger ledger} is the only authority: every change (write, hold,
 * retention change, delete, audit read, policy change, scan, repair, recovery) is an entry, and the
 * state of every record is what replaying the entries gives ({@link RecordIndex}). Record bytes live
 * in read-only data files ({@link RecordFiles}); a write is acknowledged once its bytes and then its
 * WRITE entry are durable, in that order, so the ledger never names bytes that are not on disk: a
 * large record's in its forced data file, a small one's in the ledger journal's frame beside the
 * entry (its data file is written behind the writer and forced before the journal is emptied); the
 * entry is the commit point, and a data file without one is an interrupted write.
 * Metadata files next to the data are a readable view of the ledger's state, rebuilt when missing
 * or stale. Checkpoints are signed every {@code checkpoint.everyEntries} entries or {@code
 * checkpoint.interval}, on {@link #checkpoint()} and on close.
 *
 * <p>Rules enforced here, from the ledger's state and the trusted clock: a record is never
 * overwritten and an id never reused; deletion needs the retention to have ended and no legal hold
 * (RETENTION_LOCKED otherwise, whoever asks); a COMPLIANCE retention can only be extended; a
 * GOVERNANCE retention can be shortened only with {@link Permission#GOVERNANCE_BYPASS}; removing a
 * legal hold needs {@link Permission#LEGAL_HOLD}. A refused operation changes nothing on disk. The
 * trusted clock never goes back before the latest ledger entry, so stepping the machine's clock back
 * cannot end a retention early.
 *
 * <p>Crash recovery on open: a torn ledger tail past the last checkpoint is cut (and kept as
 * evidence); data files of writes that never reached the ledger are moved to {@code quarantine/};
 * deletions interrupted after their entry are finished; stale metadata files are rewritten. Each
 * recovery is itself recorded in the ledger.
 *
 * <p>Thread-safe. Data files are written concurrently; decisions and ledger appends are serialised by
 * one lock; ledger syncs are group-committed outside it.
 */
public final class TamperProofStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TamperProofStore.class);
  /** Record ids: letters, digits, '.', '_', '-'; 1..128; not starting with '.' or '-'. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  /** The actor of the store's own entries (recovery, scans, repairs). */
  public static final String SYSTEM = "system";
  private static final long MAX_IN_MEMORY = 512L << 20;
  /** Present while a store is open: after a crash it says the last writes may have left debris. */
  public static final String RUNNING_MARKER = "state/running";
  private static final String ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

  private final Path dir;
  private final TamperProofConfig config;
  private final Time time;
  private final Ledger ledger;
  private final RecordFiles files;
  private final RecordIndex index;
  private final ReentrantLock lock = new ReentrantLock();
  private final ReentrantLock maintenance = new ReentrantLock();
  private final Set<String> reserved = new HashSet<>();
  private final SecureRandom random = new SecureRandom();
  private final List<Consumer<TamperProofEvent>> listeners = new CopyOnWriteArrayList<>();
  private boolean uncleanStop;
  private volatile Instant highWater;
  private volatile long lastCheckpointNanos;
  private volatile DwException failed;
  private final ReentrantLock scanning = new ReentrantLock();
  private final Set<String> reportedIncidents = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile Thread scanner;
  private volatile VerifyReport lastScan;
  private volatile boolean closing;
  private java.nio.channels.FileChannel lockChannel;

  private TamperProofStore(Path dir, TamperProofConfig config, Time time, Ledger ledger, RecordIndex index, Instant highWater) {
    this.dir = dir;
    this.config = config;
    this.time = time;
    this.ledger = ledger;
    this.index = index;
    this.highWater = highWater;
    this.files = new RecordFiles(dir);
    this.lastCheckpointNanos = time.nanoTime();
    ledger.onJournalReset(ids -> {
      for (String id : ids) {
        ensureDataFile(id); // the journal holds its only copy until its data file is written and forced
      }
      files.force(ids);
    });
  }

  /**
   * Write records' metadata files, and the data files of small records ({@link #writeBehind}),
   * behind the callers: metadata files are derived from the ledger (rebuilt from it after a crash,
   * compared with it by every scan) and a small record's bytes are in the journal, so the write path
   * does not wait for their system calls. Creating a file mostly waits for the file system, so two
   * threads share the work, each record's files always on the same one (chosen by its id), so a
   * record's metadata files are written in the order of its changes; {@link #settle} waits for
   * both, and scans, deletions, flushes and close call it first.
   */
  private final java.util.concurrent.ExecutorService[] behind = {behindThread(0), behindThread(1)};

  private static java.util.concurrent.ExecutorService behindThread(int i) {
    return java.util.concurrent.Executors.newSingleThreadExecutor(
        Thread.ofPlatform().daemon().name("dw-tamperproof-behind-" + i).factory());
  }

  /** The thread that writes record {@code id}'s files behind the callers. */
  private java.util.concurrent.ExecutorService behindFor(String id) {
    return behind[id.hashCode() & 1];
  }

  /** Waits until everything handed to {@link #behind} so far is written. */
  private void settle() {
    List<java.util.concurrent.Future<?>> done = new ArrayList<>(behind.length);
    try {
      for (java.util.concurrent.ExecutorService b : behind) {
        try {
          done.add(b.submit(() -> { }));
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // closed: nothing runs behind any more
        }
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.UNAVAILABLE, "interrupted while waiting for metadata files to be written", e);
    }
  }

  /**
   * Waits until the files handed to the threads behind the callers so far (metadata files, small
   * records' data files) are written, not forced: for tests that look at the files.
   */
  void awaitWritesBehind() {
    settle();
  }

  /** Stops the threads of {@link #behind} once they have done what they hold; whether they did in time. */
  private boolean stopBehind(long seconds) throws InterruptedException {
    for (java.util.concurrent.ExecutorService b : behind) {
      b.shutdown();
    }
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    for (java.util.concurrent.ExecutorService b : behind) {
      if (!b.awaitTermination(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Journaled records whose data file is not written yet, by id: {@link #writeBehind} queues the
   * write on {@link #behind}, and whoever needs the file first ({@link #ensureDataFile}: a read, a
   * verification, a deletion, the journal's reset) writes it if the queue has not yet.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, UnwrittenData> unwritten =
      new java.util.concurrent.ConcurrentHashMap<>();
  /** Bytes held in {@link #unwritten}; past {@link #UNWRITTEN_MAX} a writer writes its own data file. */
  private final java.util.concurrent.atomic.AtomicLong unwrittenBytes = new java.util.concurrent.atomic.AtomicLong();
  private static final long UNWRITTEN_MAX = 32L << 20;

  /** A journaled record's bytes until its data file is written (once, by whoever comes first). */
  private final class UnwrittenData {
    private final String id;
    private final byte[] content;
    private boolean written;

    UnwrittenData(String id, byte[] content) {
      this.id = id;
      this.content = content;
      unwrittenBytes.addAndGet(content.length);
    }

    /** Writes the data file (unforced) unless done; on failure nothing changes and the next call tries again. */
    synchronized void write() {
      if (written) {
        return;
      }
      files.write(id, new ByteArrayInputStream(content), Long.MAX_VALUE, content.length, false);
      done();
    }

    /**
     * Drops the bytes of a write that was not committed (its entry never appended); waits for a
     * write of the file already under way, which the caller then deletes.
     */
    synchronized void discard() {
      if (!written) {
        done();
      }
    }

    private void done() {
      written = true;
      unwritten.remove(id, this);
      unwrittenBytes.addAndGet(-content.length);
    }
  }

  /**
   * Queues the writing of a journaled record's data file behind the caller; when too many bytes wait
   * already (or the queue is closed), writes it now.
   */
  private void writeBehind(UnwrittenData d) {
    if (unwrittenBytes.get() > UNWRITTEN_MAX) {
      d.write();
      return;
    }
    try {
      behindFor(d.id).execute(() -> {
        try {
          d.write();
        } catch (RuntimeException e) {
          LOG.warn("record {}: cannot write its data file yet ({}); the journal keeps its bytes until it is written",
              d.id, e.getMessage());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      d.write();
    }
  }

  /**
   * Makes sure record {@code id}'s data file is on disk (not necessarily forced): a small record's
   * file is written behind its writer, and code that reads the file without this store (the remote
   * copier) calls this first. Does nothing for other records.
   *
   * @throws DwException UNAVAILABLE when the file cannot be written (the journal still holds the bytes)
   */
  public void ensureDataFile(String id) {
    UnwrittenData d = unwritten.get(id);
    if (d != null) {
      d.write();
    }
  }

  /** {@link #ensureDataFile} for every journaled record whose data file is still queued. */
  private void ensureAllData() {
    for (UnwrittenData d : unwritten.values()) {
      d.write();
    }
  }

  /**
   * Opens the store in {@code dir} (the plugin's data directory), creating it when empty, and
   * recovers from a crash (see the class comment).
   *
   * @throws DwException INTEGRITY when the ledger fails its checks: the store then refuses to open,
   *     and {@code dw worm verify} tells what was found
   */
  public static TamperProofStore open(Path dir, TamperProofConfig config, Time time) {
    java.nio.channels.FileChannel lockChannel = lock(dir);
    try {
      TamperProofStore store = openLocked(dir, config, time);
      store.lockChannel = lockChannel;
      return store;
    } catch (RuntimeException e) {
      try {
        lockChannel.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Takes the store's lock file, so one process at a time writes to it. */
  private static java.nio.channels.FileChannel lock(Path dir) {
    Path file = dir.resolve("state").resolve("lock");
    java.nio.channels.FileChannel ch = null;
    try {
      Files.createDirectories(file.getParent());
      ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.WRITE);
      if (ch.tryLock() == null) {
        ch.close();
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "the tamperproof store in " + dir + " is open in another "
            + "process (a running dw serve?); stop it or use it over the bus. dw worm verify works while it runs");
      }
      return ch;
    } catch (java.nio.channels.OverlappingFileLockException e) {
      closeQuietly(ch);
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "the tamperproof store in " + dir + " is already open in this process", e);
    } catch (IOException e) {
      closeQuietly(ch);
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot lock " + file + ": " + e.getMessage(), e);
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // already failing
      }
    }
  }

  private static TamperProofStore openLocked(Path dir, TamperProofConfig config, Time time) {
    RecordIndex index = new RecordIndex();
    Instant[] high = {Instant.EPOCH};
    Ledger ledger = Ledger.open(dir.resolve("ledger"), time, (i, bytes) -> {
      LedgerEvent e = LedgerEvent.parse(i, bytes);
      index.apply(i, e);
      if (e.at().isAfter(high[0])) {
        high[0] = e.at();
      }
    });
    TamperProofStore store = new TamperProofStore(dir, config, time, ledger, index, high[0]);
    try {
      store.recover();
      AtomicFiles.write(store.dir.resolve(RUNNING_MARKER), new byte[] {1});
      return store;
    } catch (RuntimeException e) {
      for (java.util.concurrent.ExecutorService b : store.behind) {
        b.shutdown();
      }
      ledger.closeKeepingJournal();
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // recovery

  private void recover() {
    List<Long> entries = new ArrayList<>();
    for (Ledger.TornTail t : ledger.recovered()) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("action", "cut torn tail");
      d.put("file", t.file());
      d.put("offset", t.offset());
      d.put("bytes", t.bytes());
      d.put("reason", t.reason());
      d.put("evidence", dir.relativize(t.evidence()).toString());
      entries.add(recordSystem(LedgerEvent.Type.RECOVERY, null, "crash recovery: an interrupted ledger append was cut off", d));
    }
    restoreJournaled(entries);
    List<String> orphans = new ArrayList<>();
    List<String> unfinishedDeletes = new ArrayList<>();
    List<String> strayMeta = new ArrayList<>();
    Set<String> withMeta = new HashSet<>();
    int temps = files.scanDirectories(true, id -> {
      RecordInfo r = index.get(id);
      if (r == null) {
        orphans.add(id);
      } else if (!r.exists()) {
        unfinishedDeletes.add(id);
      }
    }, id -> {
      RecordInfo r = index.get(id);
      if (r == null || !r.exists()) {
        strayMeta.add(id);
      } else {
        withMeta.add(id);
      }
    });
    if (temps > 0) {
      LOG.warn("{}: deleted {} temporary file(s) of writes interrupted before they were acknowledged", files.root(), temps);
    }
    for (String id : orphans) {
      Path to = files.quarantine(files.dataFile(id));
      LOG.warn("record {}: its data file has no WRITE in the ledger (a write interrupted before it was acknowledged); "
          + "moved to {}", id, to);
      entries.add(recordSystem(LedgerEvent.Type.RECOVERY, id,
          "crash recovery: a data file without a ledger entry was set aside", Map.of("action", "quarantine",
              "quarantined", dir.relativize(to).toString())));
    }
    for (String id : unfinishedDeletes) {
      files.delete(id);
      LOG.warn("record {}: finished its deletion, interrupted after it was recorded", id);
    }
    for (String id : strayMeta) {
      try {
        Files.deleteIfExists(files.metaFile(id));
      } catch (IOException e) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "cannot delete " + files.metaFile(id) + ": " + e.getMessage(), e);
      }
    }
    // metadata files are written without a force: after a crash any of them may be stale or torn
    uncleanStop = Files.exists(dir.resolve(RUNNING_MARKER));
    int rewritten = 0;
    for (RecordInfo r : index.all()) {
      boolean check = !withMeta.contains(r.id()) || uncleanStop;
      if (r.exists() && check && !r.equals(safeReadMeta(r.id()))) {
        files.writeMeta(r);
        rewritten++;
      }
    }
    if (rewritten > 0) {
      LOG.warn("{}: rewrote {} missing or stale metadata file(s) from the ledger", files.root(), rewritten);
    }
    recordPolicies(entries);
    if (!entries.isEmpty() || rewritten > 0 || ledger.latestCheckpoint() == null) {
      checkpoint();
    }
    ledger.flushJournal(); // what a crash left in the journal is now forced where it belongs
  }

  private static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * After a crash: every record whose bytes the journal still carries gets its data file checked,
   * and rewritten from the journal when it is missing, torn or different (it was written unforced;
   * the journal's copy is what was acknowledged). Each rewrite is recorded in the ledger.
   */
  private void restoreJournaled(List<Long> entries) {
    for (Journal.Frame f : ledger.journaled()) {
      String id = f.recordId();
      RecordInfo r = index.get(id);
      if (r == null || !r.exists() || r.size() != f.content().length
          || !sha256Hex(f.content()).equals(r.sha256())) {
        continue; // deleted since, or not the bytes the record's entry committed
      }
      String problem;
      try {
        RecordFiles.Digest d = files.verify(id, r.size());
        if (d != null && d.sha256().equals(r.sha256())) {
          continue;
        }
        problem = d == null ? "longer than recorded" : "different bytes (SHA-256 " + d.sha256() + ")";
      } catch (DwException e) {
        problem = e.getMessage();
      }
      Path evidence = files.restore(id, new ByteArrayInputStream(f.content()), r.sha256(), r.size());
      LOG.warn("record {}: its data file was not complete on disk after the crash ({}); rewritten from the journal", id,
          problem);
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("action", "rewritten from the journal");
      d.put("found", problem);
      if (evidence != null) {
        d.put("quarantined", dir.relativize(evidence).toString());
      }
      entries.add(recordSystem(LedgerEvent.Type.RECOVERY, id, "crash recovery: a record's data file, written unforced, "
          + "was restored from the ledger's journal", d));
    }
  }

  private RecordInfo safeReadMeta(String id) {
    try {
      return files.readMeta(id);
    } catch (DwException e) {
      return null; // damaged: rewritten from the ledger
    }
  }

  /** Records a POLICY entry for every configured namespace whose policy differs from the ledger's. */
  private void recordPolicies(List<Long> entries) {
    for (Map.Entry<String, TamperProofConfig.NamespacePolicy> e : config.namespaces().entrySet()) {
      RecordIndex.Policy last = index.policy(e.getKey());
      TamperProofConfig.NamespacePolicy p = e.getValue();
      if (last == null || last.mode() != p.mode() || !java.util.Objects.equals(last.retention(), p.retention())) {
        lock.lock();
        try {
          LedgerEvent ev = LedgerEvent.of(LedgerEvent.Type.POLICY, now(), SYSTEM, "namespace policy set by configuration")
              .withRecord(null, e.getKey()).withPolicy(p.mode(), p.retention() == null ? null : p.retention().toString());
          entries.add(append(ev));
        } finally {
          lock.unlock();
        }
        LOG.info("namespace {}: default retention {} ({}), recorded in the ledger", e.getKey(), p.retention(), p.mode().wire());
      }
    }
    if (!entries.isEmpty()) {
      ledger.sync(entries.get(entries.size() - 1));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // writing

  /** {@link #write(InputStream, WriteOptions, Caller)} of a byte array. */
  public RecordInfo write(byte[] content, WriteOptions options, Caller caller) {
    return write(new ByteArrayInputStream(content), content.length, options, caller);
  }

  /**
   * Writes a record once: its bytes durably to a read-only data file, then its WRITE entry to the
   * ledger. Returns once both are durable.
   *
   * @param content the bytes (read to the end; not closed)
   * @return the record: its id, SHA-256, ledger position and retention
   * @throws DwException INVALID_ARGUMENT for a bad namespace, id, retention or metadata, or content
   *     over {@code maxRecordSize}; RETENTION_LOCKED when the id names a record still under
   *     retention or hold; ALREADY_EXISTS when the id was used before; UNAVAILABLE on I/O failure.
   *     On any failure nothing is kept.
   */
  public RecordInfo write(InputStream content, WriteOptions options, Caller caller) {
    return write(content, -1, options, caller);
  }

  private RecordInfo write(InputStream content, long length, WriteOptions options, Caller caller) {
    checkUsable();
    Instant now = now();
    String ns = options.namespace();
    if (!TamperProofConfig.NAMESPACE.matcher(ns).matches()) {
      throw DwException.invalidArgument("namespace '" + ns + "' is not valid: use " + TamperProofConfig.NAMESPACE.pattern());
    }
    checkMetadata(options);
    TamperProofConfig.NamespacePolicy policy = config.namespaces().get(ns);
    RetentionMode mode = options.mode() != null ? options.mode() : policy != null ? policy.mode() : config.defaultMode();
    Instant until = retainUntil(options, policy, now);
    String id = options.id() != null ? options.id() : newId(now);
    if (!ID.matcher(id).matches()) {
      throw DwException.invalidArgument("record id '" + id + "' is not valid: use " + ID.pattern());
    }
    lock.lock();
    try {
      checkNotTaken(id, now);
      if (!reserved.add(id)) {
        throw DwException.of(ErrorCode.CONFLICT, "record " + id + " is being written by another request");
      }
    } finally {
      lock.unlock();
    }
    boolean committed = false;
    UnwrittenData pending = null;
    try {
      // small records travel in the ledger's journal frame: one force makes bytes and entry durable
      byte[] inline = null;
      InputStream rest = content;
      try {
        if (length >= 0 && length <= JOURNALED_MAX) {
          inline = content.readNBytes((int) length + 1); // one more: a longer stream is refused below
        } else if (length < 0) {
          byte[] head = content.readNBytes(JOURNALED_MAX + 1);
          if (head.length <= JOURNALED_MAX) {
            inline = head;
          } else {
            rest = new java.io.SequenceInputStream(new ByteArrayInputStream(head), content);
          }
        }
      } catch (IOException e) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read the content of record " + id + ": " + e.getMessage(), e);
      }
      // a journaled record's data file is written behind the caller, unforced: the journal frame,
      // which carries its bytes, makes it durable, and whatever reads the file first makes sure it
      // is written (ensureDataFile); registered before the entry, so a journal flush finds it
      RecordFiles.Digest digest;
      if (inline != null) {
        digest = RecordFiles.digestOf(id, inline, config.maxRecordSize(), length);
        if (files.exists(id)) {
          throw DwException.of(ErrorCode.ALREADY_EXISTS, "a data file for record " + id + " exists already: "
              + files.dataFile(id));
        }
        pending = new UnwrittenData(id, inline);
        unwritten.put(id, pending);
      } else {
        digest = files.write(id, rest, config.maxRecordSize(), length);
      }
      byte[] journaled = inline;
      RecordInfo info;
      long entry;
      lock.lock();
      try {
        LedgerEvent e = LedgerEvent.of(LedgerEvent.Type.WRITE, now(), caller.actor(), null)
            .withRecord(id, ns)
            .withContent(digest.sha256(), digest.size(), options.contentType(), options.metadata())
            .withRetention(mode, until)
            .withHold(options.legalHold() ? Boolean.TRUE : null);
        entry = append(e, id, journaled);
        committed = true;
        info = index.get(id);
        if (pending != null) {
          writeBehind(pending);
        }
        writeMeta(info);
      } finally {
        lock.unlock();
      }
      sync(entry);
      emit("written", id, entry, Map.of("sha256", info.sha256(), "size", info.size(), "namespace", ns,
          "mode", mode.wire(), "retainUntil", until.toString(), "legalHold", info.legalHold()));
      maybeCheckpoint();
      return info;
    } finally {
      if (!committed && pending != null) {
        pending.discard(); // a scan may have written its file meanwhile: deleted below
      }
      release(id);
      if (!committed && files.exists(id) && index.get(id) == null) {
        files.delete(id);
      }
    }
  }

  /**
   * Records up to this size are made durable by their ledger entry's journal frame, which carries
   * their bytes, and written to their data file (unforced) behind the writer; larger ones are forced
   * to their data file before the entry is written.
   */
  static final int JOURNALED_MAX = 64 << 10;

  private void checkNotTaken(String id, Instant now) {
    RecordInfo existing = index.get(id);
    if (existing == null) {
      return;
    }
    if (existing.exists() && existing.lockedAt(now)) {
      throw DwException.of(ErrorCode.RETENTION_LOCKED, "record " + id + " cannot be overwritten: it is "
          + lockDescription(existing, now));
    }
    throw DwException.of(ErrorCode.ALREADY_EXISTS, "record id " + id + " was used by a record written at "
        + existing.createdAt() + (existing.exists() ? "" : " and deleted at " + existing.deletedAt())
        + ": records are written once and ids are never reused");
  }

  private Instant retainUntil(WriteOptions o, TamperProofConfig.NamespacePolicy policy, Instant now) {
    Instant until;
    if (o.retainUntil() != null) {
      until = o.retainUntil().truncatedTo(ChronoUnit.MILLIS);
    } else {
      Duration d = o.retention() != null ? o.retention()
          : policy != null && policy.retention() != null ? policy.retention() : config.defaultRetention();
      if (d == null) {
        throw DwException.invalidArgument("no retention for a record in namespace '" + o.namespace() + "': give one "
            + "(retainDays, retainUntil) or set tamperproof.namespaces." + o.namespace() + ".retention");
      }
      if (d.isNegative() || d.isZero()) {
        throw DwException.invalidArgument("retention must be positive, was " + d);
      }
      try {
        until = now.plus(d);
      } catch (java.time.DateTimeException | ArithmeticException e) {
        throw DwException.invalidArgument("retention " + d + " reaches past the end of time");
      }
    }
    if (!until.isAfter(now)) {
      throw DwException.invalidArgument("retain-until " + until + " is not in the future (now is " + now + ")");
    }
    return until;
  }

  private static void checkMetadata(WriteOptions o) {
    if (o.metadata().size() > 64) {
      throw DwException.invalidArgument("at most 64 metadata entries, got " + o.metadata().size());
    }
    for (Map.Entry<String, String> e : o.metadata().entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().length() > 128 || e.getValue() == null || e.getValue().length() > 1024) {
        throw DwException.invalidArgument("metadata '" + e.getKey() + "': keys are 1..128 and values at most 1024 characters");
      }
    }
    if (o.contentType() != null && o.contentType().length() > 255) {
      throw DwException.invalidArgument("contentType is longer than 255 characters");
    }
  }

  /** A new id: 10 characters of milliseconds then 16 random ones (Crockford base32), sortable by time. */
  private String newId(Instant now) {
    char[] c = new char[26];
    long ms = now.toEpochMilli();
    for (int i = 9; i >= 0; i--) {
      c[i] = ID_ALPHABET.charAt((int) (ms & 31));
      ms >>>= 5;
    }
    byte[] r = new byte[10];
    random.nextBytes(r);
    long hi = 0;
    for (int i = 0; i < 5; i++) {
      hi = (hi << 8) | (r[i] & 0xff);
    }
    long lo = 0;
    for (int i = 5; i < 10; i++) {
      lo = (lo << 8) | (r[i] & 0xff);
    }
    for (int i = 17; i >= 10; i--) {
      c[i] = ID_ALPHABET.charAt((int) (hi & 31));
      hi >>>= 5;
    }
    for (int i = 25; i >= 18; i--) {
      c[i] = ID_ALPHABET.charAt((int) (lo & 31));
      lo >>>= 5;
    }
    return new String(c);
  }

  // ---------------------------------------------------------------------------------------------
  // reading

  /** The record's state, deleted or not. */
  public RecordInfo info(String id) {
    RecordInfo r = id == null ? null : index.get(id);
    if (r == null) {
      throw DwException.notFound("no record " + id);
    }
    return r;
  }

  /** Every record in {@code namespace} (every namespace when null), existing ones only, oldest first. */
  public List<RecordInfo> list(String namespace) {
    return index.all().stream()
        .filter(r -> r.exists() && (namespace == null || namespace.equals(r.namespace())))
        .sorted(Comparator.comparingLong(RecordInfo::ledgerIndex))
        .toList();
  }

  /**
   * Reads a record's bytes, verified against the SHA-256 its WRITE entry states.
   *
   * @throws DwException NOT_FOUND when there is no such record or it was deleted; INTEGRITY naming
   *     the record, the expected and actual hashes and the file when the bytes do not verify;
   *     FAILED_PRECONDITION for records over 512 MiB (use {@link #readTo})
   */
  public byte[] read(String id) {
    RecordInfo r = live(id);
    ensureDataFile(id);
    if (r.size() > MAX_IN_MEMORY) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "record " + id + " has " + r.size()
          + " bytes, too many to return in memory: read it to a file");
    }
    RecordFiles.Content c = files.readAll(id, (int) r.size());
    if (c != null) {
      verifyDigest(r, c.digest());
      return c.bytes();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) r.size()); // the file's size is wrong: say how
    verifyDigest(r, files.read(id, out));
    return out.toByteArray();
  }

  /**
   * Verifies a record's bytes against the SHA-256 its WRITE entry states without returning them
   * (what a scan does for each record): the data file is read through a reused buffer and hashed.
   *
   * @return the record
   * @throws DwException NOT_FOUND when there is no such record or it was deleted; INTEGRITY naming
   *     the record, the expected and actual hashes and the file when the bytes do not verify
   */
  public RecordInfo verifyContent(String id) {
    RecordInfo r = live(id);
    ensureDataFile(id);
    RecordFiles.Digest d = files.verify(id, r.size());
    verifyDigest(r, d != null ? d : files.read(id, null));
    return r;
  }

  /**
   * Reads a record into {@code target}: written to a temporary file next to it, verified, then
   * renamed into place (replacing {@code target}); nothing is left when it does not verify.
   */
  public RecordInfo readTo(String id, Path target) {
    RecordInfo r = live(id);
    ensureDataFile(id);
    Path abs = target.toAbsolutePath();
    Path tmp = abs.resolveSibling(".dwtmp-" + abs.getFileName() + "-" + Long.toHexString(random.nextLong()));
    try {
      Files.createDirectories(abs.getParent());
      try (OutputStream out = Files.newOutputStream(tmp)) {
        verifyDigest(r, files.read(id, out));
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return r;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort: a leftover temporary file starts with .dwtmp-
      }
    }
  }

  /** A verified read that is itself recorded in the ledger (a READ_AUDIT entry). */
  public record AuditedRead(RecordInfo record, byte[] content, long ledgerIndex) {}

  /**
   * Reads and verifies a record like {@link #read} and records the read in the ledger, with the
   * caller and reason, before returning it.
   */
  public AuditedRead readAudited(String id, Caller caller, String reason) {
    checkUsable();
    byte[] content = read(id);
    long entry;
    RecordInfo r;
    lock.lock();
    try {
      r = live(id);
      entry = append(LedgerEvent.of(LedgerEvent.Type.READ_AUDIT, now(), caller.actor(), reason)
          .withRecord(id, r.namespace()).withContent(r.sha256(), null, null, null));
    } finally {
      lock.unlock();
    }
    sync(entry);
    emit("read-audit", id, entry, Map.of("actor", caller.actor()));
    maybeCheckpoint();
    return new AuditedRead(r, content, entry);
  }

  private void verifyDigest(RecordInfo r, RecordFiles.Digest actual) {
    if (actual.size() != r.size() || !actual.sha256().equals(r.sha256())) {
      throw DwException.integrity("record " + r.id() + " failed verification: expected sha256 " + r.sha256()
          + " (" + r.size() + " bytes, ledger entry " + r.ledgerIndex() + "), actual sha256 " + actual.sha256() + " ("
          + actual.size() + " bytes) in " + files.dataFile(r.id()));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // holds, retention, deletion

  /**
   * Places ({@code on}) or removes a legal hold. Placing one needs no permission; removing one
   * needs {@link Permission#LEGAL_HOLD}. Setting the state a record already has changes nothing.
   *
   * @throws DwException NOT_FOUND; PERMISSION_DENIED when removing without the permission
   */
  public RecordInfo hold(String id, boolean on, Caller caller, String reason) {
    checkUsable();
    long entry;
    lock.lock();
    try {
      RecordInfo r = live(id);
      if (r.legalHold() == on) {
        return r;
      }
      if (!on && !caller.has(Permission.LEGAL_HOLD)) {
        throw DwException.of(ErrorCode.PERMISSION_DENIED, caller.actor() + " may not remove the legal hold on record "
            + id + ": that needs the '" + Permission.LEGAL_HOLD.wire() + "' permission");
      }
      entry = append(LedgerEvent.of(LedgerEvent.Type.HOLD, now(), caller.actor(), reason)
          .withRecord(id, r.namespace()).withHold(on));
      writeMeta(index.get(id));
    } finally {
      lock.unlock();
    }
    sync(entry);
    emit("hold", id, entry, Map.of("legalHold", on, "actor", caller.actor()));
    maybeCheckpoint();
    return index.get(id);
  }

  /**
   * Changes a record's retention: extends it to {@code retainUntil}, or moves a GOVERNANCE record to
   * COMPLIANCE ({@code mode}; null keeps the mode). Shortening is refused for COMPLIANCE records
   * (RETENTION_LOCKED) and needs {@link Permission#GOVERNANCE_BYPASS} for GOVERNANCE ones
   * (PERMISSION_DENIED without it); it is recorded as a SHORTEN entry.
   */
  public RecordInfo extend(String id, Instant retainUntil, RetentionMode mode, Caller caller, String reason) {
    checkUsable();
    Instant until = retainUntil.truncatedTo(ChronoUnit.MILLIS);
    long entry;
    LedgerEvent.Type type;
    lock.lock();
    try {
      RecordInfo r = live(id);
      RetentionMode newMode = mode == null ? r.mode() : mode;
      if (r.mode() == RetentionMode.COMPLIANCE && newMode != RetentionMode.COMPLIANCE) {
        throw DwException.of(ErrorCode.RETENTION_LOCKED, "record " + id + " is under compliance retention, which "
            + "cannot be changed to governance");
      }
      if (until.isBefore(r.retainUntil())) {
        if (r.mode() == RetentionMode.COMPLIANCE) {
          throw DwException.of(ErrorCode.RETENTION_LOCKED, "record " + id + " is under compliance retention until "
              + r.retainUntil() + ", which nobody can shorten (asked: " + until + ")");
        }
        if (!caller.has(Permission.GOVERNANCE_BYPASS)) {
          throw DwException.of(ErrorCode.PERMISSION_DENIED, caller.actor() + " may not shorten the governance retention "
              + "of record " + id + " (until " + r.retainUntil() + ", asked " + until + "): that needs the '"
              + Permission.GOVERNANCE_BYPASS.wire() + "' permission");
        }
        if (newMode != RetentionMode.GOVERNANCE) {
          throw DwException.invalidArgument("shorten the retention of record " + id + " first, then make it compliance");
        }
        type = LedgerEvent.Type.SHORTEN;
      } else if (until.equals(r.retainUntil()) && newMode == r.mode()) {
        return r;
      } else {
        type = LedgerEvent.Type.EXTEND;
      }
      entry = append(LedgerEvent.of(type, now(), caller.actor(), reason)
          .withRecord(id, r.namespace()).withRetention(newMode, until));
      writeMeta(index.get(id));
    } finally {
      lock.unlock();
    }
    sync(entry);
    if (type == LedgerEvent.Type.SHORTEN) {
      LOG.warn("record {}: governance retention shortened to {} by {} with the bypass permission", id, until, caller.actor());
    }
    emit(type == LedgerEvent.Type.SHORTEN ? "shortened" : "extended", id, entry,
        Map.of("retainUntil", until.toString(), "mode", index.get(id).mode().wire(), "actor", caller.actor()));
    maybeCheckpoint();
    return index.get(id);
  }

  /**
   * Deletes a record whose retention has ended and that has no legal hold; the deletion is recorded
   * in the ledger before the files go.
   *
   * @throws DwException NOT_FOUND; RETENTION_LOCKED while retained or held, whoever asks
   */
  public RecordInfo delete(String id, Caller caller, String reason) {
    checkUsable();
    long entry;
    lock.lock();
    try {
      RecordInfo r = live(id);
      Instant now = now();
      if (r.lockedAt(now)) {
        throw DwException.of(ErrorCode.RETENTION_LOCKED, "record " + id + " cannot be deleted: it is "
            + lockDescription(r, now));
      }
      entry = append(LedgerEvent.of(LedgerEvent.Type.DELETE, now, caller.actor(), reason).withRecord(id, r.namespace()));
      reserved.add(id);
    } finally {
      lock.unlock();
    }
    try {
      sync(entry);
      ensureDataFile(id); // a data file still queued must not be written after the deletion
      settle(); // nor a metadata file
      files.delete(id);
    } finally {
      release(id);
    }
    emit("deleted", id, entry, Map.of("actor", caller.actor()));
    maybeCheckpoint();
    return index.get(id);
  }

  private static String lockDescription(RecordInfo r, Instant now) {
    if (r.legalHold()) {
      return "under a legal hold" + (now.isBefore(r.retainUntil()) ? " and retained until " + r.retainUntil() + " ("
          + r.mode().wire() + ")" : "");
    }
    return "retained until " + r.retainUntil() + " (" + r.mode().wire() + ", "
        + io.datawarehouse.sdk.config.Durations.format(Duration.between(now, r.retainUntil())) + " left)";
  }

  // ---------------------------------------------------------------------------------------------
  // proofs and checkpoints

  /**
   * The proof that record {@code id} was written as stated, and of its latest change, against a
   * checkpoint that covers both (signed now if the latest does not).
   */
  public RecordProof proof(String id) {
    RecordInfo r = info(id);
    Checkpoint cp = ledger.latestCheckpoint();
    if (cp == null || cp.treeSize() <= r.lastChange()) {
      cp = checkpoint();
    }
    List<EntryProof> entries = new ArrayList<>();
    entries.add(entryProof(r.ledgerIndex(), cp));
    if (r.lastChange() != r.ledgerIndex()) {
      entries.add(entryProof(r.lastChange(), cp));
    }
    return new RecordProof(id, r.sha256(), cp, entries, ledger.key().publicKeyPem());
  }

  private EntryProof entryProof(long entry, Checkpoint cp) {
    return new EntryProof(entry, Base64.getEncoder().encodeToString(ledger.entry(entry)),
        ledger.inclusionProof(entry, cp.treeSize()));
  }

  /**
   * Signs a checkpoint of every durable ledger entry (or returns the latest when nothing changed).
   */
  public Checkpoint checkpoint() {
    maintenance.lock();
    try {
      Checkpoint before = ledger.latestCheckpoint();
      Checkpoint cp = ledger.checkpoint();
      lastCheckpointNanos = time.nanoTime();
      if (cp != before) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("origin", cp.origin());
        d.put("treeSize", cp.treeSize());
        d.put("rootHash", cp.rootHash());
        d.put("timestamp", cp.timestamp().toString());
        d.put("keyId", cp.keyId());
        d.put("signature", cp.signature());
        emit("checkpoint", null, -1, d);
      }
      return cp;
    } finally {
      maintenance.unlock();
    }
  }

  /** Signs a checkpoint when {@code checkpoint.everyEntries} or {@code checkpoint.interval} says so. */
  public void checkpointIfDue() {
    if (failed != null) {
      return;
    }
    Checkpoint last = ledger.latestCheckpoint();
    long signed = last == null ? 0 : last.treeSize();
    long pending = ledger.size() - signed;
    if (pending <= 0) {
      return;
    }
    boolean byCount = pending >= config.checkpointEveryEntries();
    boolean byTime = time.nanoTime() - lastCheckpointNanos >= config.checkpointInterval().toNanos();
    if ((byCount || byTime) && !maintenance.isLocked()) {
      checkpoint();
    }
  }

  private void maybeCheckpoint() {
    try {
      checkpointIfDue();
    } catch (DwException e) {
      LOG.warn("could not sign a checkpoint after a write (will retry): {}", e.getMessage());
    }
  }

  /** The latest signed checkpoint. */
  public Checkpoint latestCheckpoint() {
    return ledger.latestCheckpoint();
  }

  /**
   * Forces to their final place everything the ledger's journal holds: the data files of the
   * small records written since the last flush (with their directories) and the ledger file, then
   * empties the journal. Writes are durable without it (the journal is); it bounds what a restart
   * after a crash has to replay, and runs by itself when the journal is full and on close.
   */
  public void flush() {
    checkUsable();
    settle();
    ledger.flushJournal();
  }

  /** The ledger's public key, PEM. */
  public String publicKeyPem() {
    return ledger.key().publicKeyPem();
  }

  /** Entries in the ledger. */
  public long ledgerSize() {
    return ledger.size();
  }

  /** Records that exist. */
  public long recordCount() {
    return index.liveCount();
  }

  /** The data directory. */
  public Path directory() {
    return dir;
  }

  /** The configuration. */
  public TamperProofConfig config() {
    return config;
  }

  /** Why the store stopped taking changes (a failed sync), or null while it takes them. */
  public DwException failure() {
    return failed;
  }

  /**
   * Adds a listener for {@linkplain TamperProofEvent events}, called on the thread that caused
   * them, after the change is durable; it must not block and should not throw.
   */
  public void addListener(Consumer<TamperProofEvent> listener) {
    listeners.add(listener);
  }

  // ---------------------------------------------------------------------------------------------
  // remote copies and repair

  /**
   * Records that record {@code id} has a remote WORM copy at {@code location} (a REMOTE_COPY entry),
   * written with its legal hold and retention as of ledger entry {@code state} (the record's {@link
   * RecordInfo#lastChange()} when the copy was sent). Recording it twice changes nothing.
   */
  public void recordRemoteCopy(String id, String provider, String location, long state) {
    checkUsable();
    appendRemote(id, () -> index.remoteCopy(id) != null, "remote WORM copy written", Map.of("provider", provider, "location", location,
        "action", RemoteChange.PUT, "state", state));
  }

  /**
   * Records that the remote WORM copy of record {@code id} now has its legal hold ({@link
   * RemoteChange#LEGAL_HOLD}) or retention ({@link RemoteChange#EXTEND}) as of ledger entry {@code
   * state} (a REMOTE_COPY entry). Recording what the ledger already shows changes nothing.
   */
  public void recordRemoteChange(String id, String provider, String location, String action, long state) {
    checkUsable();
    boolean hold = RemoteChange.LEGAL_HOLD.equals(action);
    if (!hold && !RemoteChange.EXTEND.equals(action) && !RemoteChange.SHORTEN.equals(action)) {
      throw DwException.invalidArgument("not a remote change: " + action);
    }
    appendRemote(id, () -> index.remoteHas(id, hold, state), hold ? "remote WORM copy: legal hold updated"
        : RemoteChange.SHORTEN.equals(action) ? "remote WORM copy: governance retention shortened" : "remote WORM copy: retention extended",
        Map.of("provider", provider, "location", location, "action", action, "state", state));
  }

  /** Appends a REMOTE_COPY entry unless {@code recorded} says the ledger has it already. */
  private void appendRemote(String id, java.util.function.BooleanSupplier recorded, String reason, Map<String, Object> detail) {
    lock.lock();
    long entry;
    try {
      if (recorded.getAsBoolean()) {
        return;
      }
      RecordInfo r = live(id);
      entry = append(LedgerEvent.of(LedgerEvent.Type.REMOTE_COPY, now(), SYSTEM, reason)
          .withRecord(id, r.namespace()).withContent(r.sha256(), null, null, null).withDetail(detail));
    } finally {
      lock.unlock();
    }
    sync(entry);
    emit("remote-copied", id, entry, detail);
    maybeCheckpoint();
  }

  /** Whether record {@code id} has a recorded remote copy. */
  public boolean hasRemoteCopy(String id) {
    return index.remoteCopy(id) != null;
  }

  /**
   * Whether the remote copy of record {@code id} is recorded to have its legal hold ({@code hold})
   * or retention as of ledger entry {@code entry} or later.
   */
  public boolean remoteHas(String id, boolean hold, long entry) {
    return index.remoteHas(id, hold, entry);
  }

  /**
   * Whether record {@code id}'s retention was shortened (a SHORTEN entry) after the latest retention
   * its remote copy is recorded to have (or at all, when it has no copy yet): the remote may then
   * retain it longer, and only the governance bypass brings it to the ledger's date.
   */
  public boolean remoteNeedsShortening(String id) {
    return index.shortenedSinceRemote(id);
  }

  /** The latest ledger entry that set record {@code id}'s legal hold ({@code hold}) or retention, or -1. */
  public long lastWormChange(String id, boolean hold) {
    return index.lastChange(id, hold);
  }

  /** Existing records that have no remote copy yet, oldest first. */
  public List<RecordInfo> withoutRemoteCopy() {
    return index.all().stream()
        .filter(r -> r.exists() && index.remoteCopy(r.id()) == null)
        .sorted(Comparator.comparingLong(RecordInfo::ledgerIndex))
        .toList();
  }

  /**
   * Existing records whose remote copy lacks a legal hold or retention change the ledger has (the
   * change was made while the process stopped before it reached the remote), oldest change first.
   */
  public List<RecordInfo> withLaggingRemoteCopy() {
    return index.all().stream()
        .filter(r -> r.exists() && (index.remoteLags(r.id(), true) || index.remoteLags(r.id(), false)))
        .sorted(Comparator.comparingLong(RecordInfo::lastChange))
        .toList();
  }

  /**
   * Restores record {@code id}'s local data file from a copy kept elsewhere ({@code source} names
   * it, e.g. the remote WORM store): the copy must hash to the ledger's SHA-256, the damaged file is
   * moved to {@code quarantine/} as evidence, and the repair is recorded (a REPAIR entry).
   *
   * @throws DwException INTEGRITY when the copy does not verify (nothing changes); NOT_FOUND
   */
  public RecordInfo repair(String id, InputStream copy, String source) {
    checkUsable();
    RecordInfo r = live(id);
    lock.lock();
    try {
      if (!reserved.add(id)) {
        throw DwException.of(ErrorCode.CONFLICT, "record " + id + " is being changed by another request");
      }
    } finally {
      lock.unlock();
    }
    try {
      ensureDataFile(id);
      Path evidence = files.restore(id, copy, r.sha256(), r.size());
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("source", source);
      if (evidence != null) {
        d.put("evidence", dir.relativize(evidence).toString());
      }
      long entry;
      lock.lock();
      try {
        entry = append(LedgerEvent.of(LedgerEvent.Type.REPAIR, now(), SYSTEM, "local copy restored from " + source)
            .withRecord(id, r.namespace()).withContent(r.sha256(), r.size(), null, null).withDetail(d));
        writeMeta(index.get(id));
      } finally {
        lock.unlock();
      }
      sync(entry);
      LOG.warn("record {}: local copy restored from {} (verified sha256 {}); the damaged file is kept in {}", id, source,
          r.sha256(), evidence);
      emit("repaired", id, entry, d);
      maybeCheckpoint();
      return index.get(id);
    } finally {
      release(id);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // verification and scanning

  /**
   * Verifies a data directory without opening a store (read-only; works when the ledger is too
   * damaged to open): the key, every signed checkpoint, every ledger entry, and the bytes and
   * metadata of every record (or of {@code options.recordId()}), reporting each discrepancy as an
   * incident naming the record where it can. With a record id, its ledger entries are also proven
   * to the latest checkpoint with {@link io.datawarehouse.tamperproof.ledger.LedgerVerifier}.
   *
   * @throws DwException NOT_FOUND when there is no store there, or no such record
   */
  public static VerifyReport verifyOffline(Path dataDir, VerifyOptions options, Time time) {
    StoreAudit.Options o = new StoreAudit.Options(options.trustedKey(), options.trustedCheckpoint(), options.recordId(),
        limiter(time, options.bytesPerSecond()), progress(options.progress()), null, null);
    return StoreAudit.run(dataDir, o, time).report();
  }

  /**
   * Runs an integrity scan now: everything {@link #verifyOffline} checks, plus every durable ledger
   * entry on disk against the one this store wrote. Metadata files that disagree with the ledger
   * are rewritten. The result is recorded as a SCAN entry, and each incident is published as an
   * {@code incident} event naming the record.
   *
   * @param progress progress receiver, or null
   */
  public VerifyReport scan(ScanProgress progress) {
    checkUsable();
    scanning.lock();
    try {
      settle(); // metadata files queued before the scan are on disk when it compares them
      StoreAudit.Trusted trusted = trusted();
      ensureAllData(); // every record the trusted ledger holds has its data file (registered before its entry)
      StoreAudit.Options o = new StoreAudit.Options(null, null, null, limiter(time, config.scanRateLimit()),
          progress(progress), trusted, r -> {
            lock.lock();
            try {
              RecordInfo now = index.get(r.id());
              if (now != null && now.exists()) {
                writeMeta(now);
              }
            } finally {
              lock.unlock();
            }
          });
      VerifyReport report = StoreAudit.run(dir, o, time).report();
      settle(); // the metadata files it rewrote are on disk when it returns
      lastScan = report;
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("ok", report.ok());
      d.put("records", report.recordsChecked());
      d.put("bytes", report.bytesChecked());
      d.put("entries", report.entriesChecked());
      d.put("checkpoints", report.checkpointsChecked());
      d.put("incidents", report.incidents().size());
      d.put("elapsedMillis", report.elapsed().toMillis());
      List<Map<String, Object>> found = new ArrayList<>();
      for (Incident i : report.incidents().subList(0, Math.min(50, report.incidents().size()))) {
        found.add(incidentDetail(i));
      }
      if (!found.isEmpty()) {
        d.put("findings", found);
      }
      long entry = recordSystem(LedgerEvent.Type.SCAN, null, report.ok() ? "integrity scan: everything verified"
          : "integrity scan: " + report.incidents().size() + " incident(s)", d);
      for (Incident i : report.incidents()) {
        if (reportedIncidents.add(i.kind() + "|" + i.recordId() + "|" + i.where() + "|" + i.actual())) {
          LOG.warn("tamper incident: {}", i);
        }
        emit("incident", i.recordId(), entry, incidentDetail(i));
      }
      maybeCheckpoint();
      return report;
    } finally {
      scanning.unlock();
    }
  }

  /**
   * Verifies one record now: its bytes against its ledger entry, its metadata, and its ledger
   * entries proven to a signed checkpoint by {@link io.datawarehouse.tamperproof.ledger.LedgerVerifier}
   * alone; the whole ledger on disk is checked too. Records nothing.
   */
  public VerifyReport verify(String id) {
    RecordInfo r = info(id);
    ensureDataFile(id);
    StoreAudit.Options o = new StoreAudit.Options(null, null, id, RateLimiter.unlimited(time), null, trusted(), null);
    VerifyReport report = StoreAudit.run(dir, o, time).report();
    List<Incident> incidents = new ArrayList<>(report.incidents());
    RecordProof proof = proof(id);
    io.datawarehouse.tamperproof.ledger.Verification v =
        io.datawarehouse.tamperproof.ledger.LedgerVerifier.forKey(ledger.key().publicKey()).verifyRecord(proof, null);
    if (!v.valid()) {
      incidents.add(new Incident(Incident.Kind.LEDGER_ENTRY_ALTERED, id, null, null, "ledger", v.reason()));
    }
    return new VerifyReport(incidents.isEmpty(), report.recordsChecked(), report.bytesChecked(), report.entriesChecked(),
        report.checkpointsChecked(), incidents, report.notes(), report.elapsed());
  }

  /**
   * Starts scanning in the background every {@code scan.interval} (first after one interval), on a
   * virtual thread named {@code tamperproof-scan}; stopped by {@link #close}. Progress is published
   * as {@code scan-progress} events at most every five seconds.
   */
  public void startBackgroundScans() {
    if (!config.scanEnabled() || scanner != null) {
      return;
    }
    long first = time.nanoTime() + config.scanInterval().toNanos();
    scanner = Thread.ofVirtual().name("tamperproof-scan").start(() -> {
      long next = first;
      while (!Thread.currentThread().isInterrupted()) {
        try {
          for (long wait = next - time.nanoTime(); wait > 0; wait = next - time.nanoTime()) {
            time.sleep(Duration.ofNanos(wait));
          }
          next = Math.max(next + config.scanInterval().toNanos(), time.nanoTime());
          long[] lastEvent = {time.nanoTime()};
          VerifyReport r = scan((done, total, bytes) -> {
            long t = time.nanoTime();
            if (t - lastEvent[0] >= 5_000_000_000L || done == total) {
              lastEvent[0] = t;
              emit("scan-progress", null, -1, Map.of("records", done, "total", total, "bytes", bytes));
            }
          });
          LOG.info("integrity scan: {} record(s), {} bytes, {} ledger entries, {} checkpoint(s) checked in {}: {}",
              r.recordsChecked(), r.bytesChecked(), r.entriesChecked(), r.checkpointsChecked(),
              io.datawarehouse.sdk.config.Durations.format(r.elapsed()),
              r.ok() ? "everything verified" : r.incidents().size() + " incident(s)");
        } catch (InterruptedException e) {
          return;
        } catch (DwException e) {
          if (e.code() == ErrorCode.CANCELLED || closing) {
            return;
          }
          LOG.warn("integrity scan failed: {}", e.getMessage());
        }
      }
    });
  }

  /** The report of the latest integrity scan, or null before the first. */
  public VerifyReport lastScan() {
    return lastScan;
  }

  /** Number of incidents found by scans so far that were not seen before (distinct findings). */
  public int distinctIncidents() {
    return reportedIncidents.size();
  }

  private StoreAudit.Trusted trusted() {
    long size = ledger.durableSize();
    return new StoreAudit.Trusted() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public byte[] leafHash(long i) {
        return ledger.leafHash(i);
      }

      @Override
      public RecordIndex index() {
        return index;
      }

      @Override
      public boolean inFlight(String id) {
        lock.lock();
        try {
          return reserved.contains(id) || unwritten.containsKey(id);
        } finally {
          lock.unlock();
        }
      }
    };
  }

  private static RateLimiter limiter(Time time, long bytesPerSecond) {
    return bytesPerSecond == Long.MAX_VALUE ? RateLimiter.unlimited(time) : new RateLimiter(time, bytesPerSecond);
  }

  private static StoreAudit.Progress progress(ScanProgress p) {
    return p == null ? null : p::update;
  }

  private static Map<String, Object> incidentDetail(Incident i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", i.kind().name());
    if (i.recordId() != null) {
      m.put("recordId", i.recordId());
    }
    if (i.expected() != null) {
      m.put("expected", i.expected());
    }
    if (i.actual() != null) {
      m.put("actual", i.actual());
    }
    if (i.where() != null) {
      m.put("where", i.where());
    }
    m.put("message", i.message());
    return m;
  }

  // ---------------------------------------------------------------------------------------------
  // internals

  /**
   * The trusted time retention is measured by: the injected clock, truncated to milliseconds, never
   * before the latest ledger entry.
   */
  public Instant trustedNow() {
    return now();
  }

  private Instant now() {
    Instant t = time.now().truncatedTo(ChronoUnit.MILLIS);
    Instant hw = highWater;
    return t.isBefore(hw) ? hw : t;
  }

  private RecordInfo live(String id) {
    RecordInfo r = info(id);
    if (!r.exists()) {
      throw DwException.notFound("record " + id + " was deleted at " + r.deletedAt() + " (ledger entry " + r.lastChange() + ")");
    }
    return r;
  }

  /** Appends an entry and applies it to the index; the caller holds the lock. */
  private long append(LedgerEvent e) {
    return append(e, null, null);
  }

  /** {@link #append(LedgerEvent)}, with the bytes of the record it writes in the journal frame. */
  private long append(LedgerEvent e, String recordId, byte[] content) {
    LedgerEvent[] stored = {null};
    long i = ledger.append(seq -> {
      stored[0] = e.withSeq(seq);
      return stored[0].toBytes();
    }, content == null ? null : recordId, content);
    index.apply(i, stored[0]);
    if (stored[0].at().isAfter(highWater)) {
      highWater = stored[0].at();
    }
    return i;
  }

  /** Appends a store entry under the lock and makes it durable. */
  private long recordSystem(LedgerEvent.Type type, String id, String reason, Map<String, Object> detail) {
    long entry;
    lock.lock();
    try {
      RecordInfo r = id == null ? null : index.get(id);
      entry = append(LedgerEvent.of(type, now(), SYSTEM, reason)
          .withRecord(r == null ? null : id, r == null ? null : r.namespace())
          .withDetail(detail));
    } finally {
      lock.unlock();
    }
    sync(entry);
    emit(type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), id, entry, detail);
    return entry;
  }

  private void release(String id) {
    lock.lock();
    try {
      reserved.remove(id);
    } finally {
      lock.unlock();
    }
  }

  /** Writes {@code r}'s metadata file behind the caller (who holds the lock, so changes queue in order). */
  private void writeMeta(RecordInfo r) {
    try {
      behindFor(r.id()).execute(() -> {
        try {
          files.writeMeta(r);
        } catch (RuntimeException e) {
          LOG.warn("record {}: cannot write its metadata file ({}); the next scan or restart rewrites it", r.id(), e.getMessage());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      files.writeMeta(r);
    }
  }

  private void sync(long entry) {
    try {
      ledger.sync(entry);
    } catch (DwException e) {
      failed = DwException.of(ErrorCode.UNAVAILABLE, "the ledger could not be forced to disk (" + e.getMessage()
          + "); the store takes no more changes until it is reopened", e);
      LOG.error("{}", failed.getMessage());
      throw failed;
    }
  }

  private void checkUsable() {
    DwException f = failed;
    if (f != null) {
      throw DwException.of(ErrorCode.UNAVAILABLE, f.getMessage(), f);
    }
  }

  private void emit(String type, String id, long entry, Map<String, Object> detail) {
    TamperProofEvent ev = new TamperProofEvent(type, now(), id, entry, detail);
    for (Consumer<TamperProofEvent> l : listeners) {
      try {
        l.accept(ev);
      } catch (RuntimeException e) {
        LOG.warn("a listener failed on event {}: {}", type, Health.describe(e));
      }
    }
  }

  /** Stops background scans, signs a final checkpoint and closes the ledger. */
  @Override
  public void close() {
    closing = true;
    Thread t = scanner;
    if (t != null) {
      t.interrupt();
      try {
        t.join(java.time.Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    boolean keepJournal = failed != null;
    try {
      if (failed == null) {
        checkpoint();
        settle();
        ledger.flushJournal();
        // written before this, the metadata files reach the disk no later than the marker's removal
        Files.deleteIfExists(dir.resolve(RUNNING_MARKER));
        AtomicFiles.fsyncDirectory(dir.resolve(RUNNING_MARKER).getParent());
      }
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", dir.resolve(RUNNING_MARKER), e.getMessage());
    } catch (RuntimeException e) {
      // a data file that cannot be written (or forced): the journal keeps its bytes for the next open
      keepJournal = true;
      LOG.error("{}: closing without emptying the ledger's journal ({}); the next open replays it", dir, e.getMessage());
    } finally {
      try {
        if (!stopBehind(30)) {
          LOG.warn("{}: metadata files still being written at close; a restart rewrites them", dir);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (!keepJournal) {
        ledger.close();
      } else {
        ledger.closeKeepingJournal();
      }
      closeQuietly(lockChannel);
    }
  }
}
