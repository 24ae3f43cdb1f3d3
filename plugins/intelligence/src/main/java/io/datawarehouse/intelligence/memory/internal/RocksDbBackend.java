package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.BackendStatistics;
import io.datawarehouse.intelligence.memory.Capability;
import io.datawarehouse.intelligence.memory.MemoryQuery;
import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.intelligence.memory.PersistenceBackend;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code rocksdb} backend: memory records in an embedded RocksDB, the default.
 *
 * <h2>Layout</h2>
 * Column families (key layouts in {@link Keys}): {@code records} (id → {@link RecordCodec} value),
 * four secondary indexes with empty values, {@code idx_scope} (scope, tier, id), {@code idx_tier},
 * {@code idx_tag} and {@code idx_expiry}, and {@code meta}: the format marker ({@value #FORMAT})
 * and, only while the store is closed, the saved {@link Counters} (records and bytes per tier) and
 * {@link IdFilter} (every id held). Both live in memory while open: saved at a clean close, deleted
 * durably at open, and rebuilt from the records when an open finds none (after a crash, or in a
 * checkpoint). Format 2 (index entries written with the records) is read as it is when it was
 * closed cleanly; format 1 (counters as {@code uint64add} merge operands) is migrated in place at
 * open; any other format is refused, the directory untouched.
 *
 * <h2>Invariants</h2>
 * Records are the truth; the indexes are derived from them. A write puts the record (and updates the
 * counters and the id filter) under its stripe lock, with the WAL, and returns once that batch is
 * written; its index change (the entries the record had, the entries it has) goes to the
 * {@link IndexWriter}, which writes the changes of many records in one WAL-less batch, in submission
 * order, within about a millisecond. Every query first waits for the changes acknowledged before it
 * started, so it sees every acknowledged write. Index entries are not in the WAL: an open that finds
 * the store was not closed cleanly drops the four index families and rebuilds them from the records
 * in the same scan that recounts the counters, and a clean close applies the queued changes and
 * flushes the index families before it saves the counters.
 * Writers of one id serialise on a striped lock (read the old record, unless the id filter says
 * there is none; stamp the version; write); batches lock their stripes in ascending order. Readers
 * take no record lock: a query reads from one snapshot, and fetches every record its index scan
 * names, so the full predicate decides on the record's state in that snapshot (an index entry whose
 * record a concurrent write deleted is skipped).
 *
 * <h2>Queries</h2>
 * The planner picks one index: scope (with tier when given: the composite prefix), else the first
 * of tagsAll, else tier, else a merge of the tagsAny prefixes; with none it scans {@code records}.
 * The chosen prefixes are merged in id order, records are fetched in chunks with multi-get, and the
 * full predicate ({@link MemoryQuery#matches}) decides. Results in id order stream straight out; any
 * other order goes through a bounded top-k heap when skip+limit is small, else through an
 * {@link ExternalSorter} that spills to {@code <dir>.sort-tmp}. Memory use never grows with the
 * number of matches.
 *
 * <h2>Expiry</h2>
 * Time comes from the injected {@link Time}: expired records are invisible at once and deleted by
 * {@link #purgeExpired} (an {@code idx_expiry} range scan up to now), which the plugin runs
 * periodically and {@link #compact} runs first.
 *
 * <p>Thread-safe. {@link #close} waits for operations in progress and closes streams left open.
 */
public final class RocksDbBackend implements PersistenceBackend {
  private static final Logger LOG = LoggerFactory.getLogger(RocksDbBackend.class);
  private static final String FORMAT = "dw-memory-rocksdb/3";
  /**
   * Version 2 wrote index entries in the records' batches (with the WAL): a cleanly closed one is
   * read as it is; one that was not closed cleanly is recounted and reindexed like version 3.
   */
  private static final String FORMAT_V2 = "dw-memory-rocksdb/2";
  /** Version 1 kept its counters as {@code uint64add} merge operands; it is migrated at open. */
  private static final String FORMAT_V1 = "dw-memory-rocksdb/1";
  /** Index changes queued for the indexer before writers wait for it. */
  private static final int INDEX_QUEUE = 16_384;
  /** Records per WAL-less batch when the indexes are rebuilt at open. */
  private static final int REINDEX_BATCH = 4096;
  private static final byte[] FORMAT_KEY = Keys.utf8("format");
  /** The counters as of the last clean close; absent while the store is open (see {@link Counters}). */
  private static final byte[] COUNTERS_KEY = Keys.utf8("counters");
  /**
   * A random token written into both databases at a clean close (deleted at open like the
   * counters): the index database is used as it is only when it carries the token the records
   * database saved, so an index directory that is missing, older, or from elsewhere is rebuilt.
   */
  private static final byte[] TOKEN_KEY = Keys.utf8("clean-close-token");
  /** The subdirectory of the index database. */
  static final String INDEX_DIR = "index";
  /** The {@link IdFilter} as of the last clean close; deleted at open like the counters. */
  private static final byte[] IDS_KEY = Keys.utf8("idfilter");
  private static final int STRIPES = 256;
  private static final int FETCH_CHUNK = 256;
  private static final int TOP_K_MAX = 10_000;
  private static final long SORT_BUFFER_BYTES = 16L << 20;
  private static final int CF_DEFAULT = 0;
  private static final int CF_RECORDS = 1;
  private static final int CF_SCOPE = 2;
  private static final int CF_TIER = 3;
  private static final int CF_TAG = 4;
  private static final int CF_EXPIRY = 5;
  private static final int CF_META = 6;
  private static final List<String> CF_NAMES = List.of("default", "records", "idx_scope", "idx_tier", "idx_tag", "idx_expiry", "meta");

  static {
    RocksDB.loadLibrary();
  }

  /**
   * Tuning of the embedded store.
   *
   * @param syncWrites fsync the write-ahead log on every write: survives power loss, not only a
   *     process crash (which every write survives regardless)
   * @param blockCacheBytes the shared block cache
   * @param writeBufferBytes memtable size per column family before it is flushed
   */
  public record Options(boolean syncWrites, long blockCacheBytes, long writeBufferBytes) {
    public static Options defaults() {
      return new Options(false, 64L << 20, 32L << 20);
    }
  }

  private final Path dir;
  private final Path sortTmp;
  private final Time time;
  private final OpStats stats;
  private final LRUCache cache;
  private final BloomFilter bloom;
  private final DBOptions dbOptions;
  private final List<ColumnFamilyOptions> cfOptions = new ArrayList<>();
  private final List<ColumnFamilyHandle> cfs = new ArrayList<>();
  /** Records and meta. */
  private final RocksDB db;
  /**
   * The four index families, in their own database under {@value #INDEX_DIR}: derived data, written
   * without a WAL by the indexer alone, so its writes never queue behind (or hold up) record writes.
   */
  private final RocksDB idb;
  private final ColumnFamilyHandle indexDefault;
  /** The records database's handles (closed with it); {@link #cfs} is the logical list by {@code CF_*} over both databases. */
  private final List<ColumnFamilyHandle> mainHandles = new ArrayList<>();
  /** Index families a format-2 store kept in the records database; dropped after the open rebuilt them in {@link #idb}. */
  private final List<ColumnFamilyHandle> legacyIndexHandles = new ArrayList<>();
  private final WriteOptions writeOptions;
  /** Index entries skip the WAL: they are derived from the records and rebuilt when an open finds the store was not closed cleanly. */
  private final WriteOptions indexWriteOptions = new WriteOptions().setDisableWAL(true);
  /** The indexer thread's batch (see {@link #writeIndexGroup}). */
  private final BatchBytes indexBatch = new BatchBytes();
  /** Null only while the constructor runs (and after an open that failed). */
  private final IndexWriter indexes;
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private final Counters counters = new Counters();
  /** Every id the store has held (set at open, before the store is shared). */
  private IdFilter idFilter;
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private final Set<AutoCloseable> openStreams = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  /** Set when open refused the directory: close then writes nothing into it. */
  private boolean refused;
  private volatile String lastError;

  private RocksDbBackend(Path dir, Options options, Time time) throws RocksDBException, IOException {
    this.dir = dir;
    this.sortTmp = dir.resolveSibling(dir.getFileName() + ".sort-tmp");
    this.time = time;
    this.stats = new OpStats(time);
    Files.createDirectories(dir);
    clearSortTmp();
    this.cache = new LRUCache(options.blockCacheBytes());
    this.bloom = new BloomFilter(10);
    this.dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2).setBytesPerSync(1 << 20);

    for (String name : CF_NAMES) {
      BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache);
      if (name.equals("records")) {
        table.setFilterPolicy(bloom);
      }
      ColumnFamilyOptions o = new ColumnFamilyOptions().setTableFormatConfig(table)
          .setWriteBufferSize(name.equals("records") ? options.writeBufferBytes() : Math.max(4L << 20, options.writeBufferBytes() / 4))
          .setCompressionType(CompressionType.LZ4_COMPRESSION)
          .setLevelCompactionDynamicLevelBytes(true);
      if (name.equals("meta")) {
        // format 1 kept counters as merge operands; compaction of a migrated store still needs the operator
        o.setMergeOperatorName("uint64add");
      }
      cfOptions.add(o);
    }
    // the records database: records and meta, plus the index families a format-2 store kept there
    // (opened so that RocksDB accepts the directory, dropped once the index database is rebuilt)
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (int cf : new int[] {CF_DEFAULT, CF_RECORDS, CF_META}) {
      descriptors.add(descriptor(cf));
    }
    Set<String> existing = existingColumnFamilies(dir);
    for (int cf = CF_SCOPE; cf <= CF_EXPIRY; cf++) {
      if (existing.contains(CF_NAMES.get(cf))) {
        descriptors.add(descriptor(cf));
      }
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try {
      this.db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
    } catch (RocksDBException e) {
      releaseOptions();
      throw e;
    }
    mainHandles.addAll(handles);
    legacyIndexHandles.addAll(handles.subList(3, handles.size()));
    String refusal = unknownFormat(handles.get(2));
    if (refusal != null) {
      for (ColumnFamilyHandle h : mainHandles) {
        h.close();
      }
      db.close();
      releaseOptions();
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, refusal); // before the index database is created: the directory stays untouched
    }
    List<ColumnFamilyDescriptor> indexDescriptors = new ArrayList<>();
    indexDescriptors.add(descriptor(CF_DEFAULT));
    for (int cf = CF_SCOPE; cf <= CF_EXPIRY; cf++) {
      indexDescriptors.add(descriptor(cf));
    }
    List<ColumnFamilyHandle> indexHandles = new ArrayList<>();
    try {
      this.idb = RocksDB.open(dbOptions, dir.resolve(INDEX_DIR).toString(), indexDescriptors, indexHandles);
    } catch (RocksDBException e) {
      for (ColumnFamilyHandle h : mainHandles) {
        h.close();
      }
      db.close();
      releaseOptions();
      throw e;
    }
    this.indexDefault = indexHandles.get(0);
    cfs.addAll(List.of(handles.get(0), handles.get(1), indexHandles.get(1), indexHandles.get(2), indexHandles.get(3),
        indexHandles.get(4), handles.get(2)));
    this.writeOptions = new WriteOptions().setSync(options.syncWrites());
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
    try {
      loadCounters();
    } catch (RuntimeException | RocksDBException e) {
      refuseAndClose();
      throw e;
    }
    this.indexes = new IndexWriter(dir.toString(), INDEX_QUEUE, this::writeIndexGroup);
  }

  /** Why the store's format cannot be read by this build, or null when it can. */
  private String unknownFormat(ColumnFamilyHandle meta) throws RocksDBException {
    byte[] format = db.get(meta, FORMAT_KEY);
    String found = format == null ? null : new String(format, StandardCharsets.UTF_8);
    if (found == null || found.equals(FORMAT) || found.equals(FORMAT_V2) || found.equals(FORMAT_V1)) {
      return null;
    }
    return dir + " holds a memory store of format '" + found + "'; this build reads '" + FORMAT + "' and migrates '"
        + FORMAT_V2 + "' and '" + FORMAT_V1 + "'";
  }

  private ColumnFamilyDescriptor descriptor(int cf) {
    return new ColumnFamilyDescriptor(CF_NAMES.get(cf).getBytes(StandardCharsets.UTF_8), cfOptions.get(cf));
  }

  /** The column families of the RocksDB in {@code dir}; empty when there is none yet. */
  private static Set<String> existingColumnFamilies(Path dir) {
    if (!Files.exists(dir.resolve("CURRENT"))) {
      return Set.of();
    }
    try (org.rocksdb.Options o = new org.rocksdb.Options()) {
      Set<String> out = new java.util.HashSet<>();
      for (byte[] n : RocksDB.listColumnFamilies(o, dir.toString())) {
        out.add(new String(n, StandardCharsets.UTF_8));
      }
      return out;
    } catch (RocksDBException e) {
      return Set.of(); // the open that follows reports what is wrong with the directory
    }
  }

  /**
   * Checks the format and brings the counters into memory: from the snapshot a clean close left
   * (then deleted, durably, so that a crash from now on is seen as one), else by a recount of the
   * records. A version-1 store is migrated in place (its records and indexes are unchanged; its
   * merge-operand counters are dropped and recounted); an unknown format is refused untouched.
   */
  private void loadCounters() throws RocksDBException {
    ColumnFamilyHandle meta = cfs.get(CF_META);
    byte[] format = db.get(meta, FORMAT_KEY);
    String found = format == null ? null : new String(format, StandardCharsets.UTF_8);
    try (WriteOptions sync = new WriteOptions().setSync(true); WriteBatch b = new WriteBatch()) {
      if (found == null || found.equals(FORMAT) || found.equals(FORMAT_V2)) {
        byte[] saved = found == null ? null : db.get(meta, COUNTERS_KEY);
        boolean clean = saved != null && counters.restore(saved);
        if (clean && indexTokenMatches()) {
          LOG.debug("rocksdb memory store {}: counters restored from the last clean close", dir);
          IdFilter f = IdFilter.restore(db.get(meta, IDS_KEY));
          idFilter = f != null ? f : idFilterFromKeys();
        } else {
          if (!clean && found != null) {
            LOG.warn("rocksdb memory store {} was not closed cleanly (or its saved counters are damaged): recounting and reindexing", dir);
          } else if (found != null) {
            LOG.info("rocksdb memory store {}: the index database is missing or is not the one saved at the last close"
                + " (or the store is of format '{}'): reindexing", dir, FORMAT_V2);
          }
          recountAndReindex();
        }
        b.put(meta, FORMAT_KEY, Keys.utf8(FORMAT));
        b.delete(meta, COUNTERS_KEY);
        b.delete(meta, IDS_KEY);
        b.delete(meta, TOKEN_KEY);
      } else if (found.equals(FORMAT_V1)) {
        recountAndReindex();
        b.put(meta, FORMAT_KEY, Keys.utf8(FORMAT));
        b.delete(meta, IDS_KEY);
        for (String k : V1_COUNTER_KEYS) {
          b.delete(meta, Keys.utf8(k));
        }
        b.delete(meta, TOKEN_KEY);
        LOG.info("rocksdb memory store {}: migrated from format '{}' to '{}' ({} records)", dir, FORMAT_V1, FORMAT, counters.records());
      } else {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, dir + " holds a memory store of format '" + found
            + "'; this build reads '" + FORMAT + "' and migrates '" + FORMAT_V2 + "' and '" + FORMAT_V1 + "'");
      }
      // from now on the index database changes without a WAL: its token goes first, durably
      idb.delete(indexDefault, sync, TOKEN_KEY);
      db.write(sync, b);
    }
    for (ColumnFamilyHandle h : legacyIndexHandles) {
      db.dropColumnFamily(h);
      LOG.info("rocksdb memory store {}: dropped the format-2 index family {} (now in {})", dir,
          new String(h.getName(), StandardCharsets.UTF_8), INDEX_DIR);
    }
  }

  /** Whether the index database carries the token the records database saved at the last clean close. */
  private boolean indexTokenMatches() throws RocksDBException {
    byte[] expected = db.get(cfs.get(CF_META), TOKEN_KEY);
    return expected != null && Arrays.equals(expected, idb.get(indexDefault, TOKEN_KEY));
  }

  private static final List<String> V1_COUNTER_KEYS = List.of("records", "bytes",
      "tier.0.records", "tier.0.bytes", "tier.1.records", "tier.1.bytes",
      "tier.2.records", "tier.2.bytes", "tier.3.records", "tier.3.bytes");

  /**
   * Sets the counters from a scan of every record (verifying each one as it is decoded) and
   * rebuilds the four index column families from the same scan: they are dropped and created
   * again, then filled with WAL-less batches. A crash during this leaves the saved counters absent,
   * so the next open does it again.
   */
  private void recountAndReindex() throws RocksDBException {
    long t0 = System.nanoTime();
    for (int cf = CF_SCOPE; cf <= CF_EXPIRY; cf++) {
      ColumnFamilyHandle old = cfs.get(cf);
      idb.dropColumnFamily(old);
      old.close();
      cfs.set(cf, idb.createColumnFamily(new ColumnFamilyDescriptor(CF_NAMES.get(cf).getBytes(StandardCharsets.UTF_8), cfOptions.get(cf))));
    }
    Counters.Delta d = new Counters.Delta();
    IdFilter f = new IdFilter();
    long n = 0;
    List<IndexOp> ops = new ArrayList<>();
    BatchBytes b = new BatchBytes();
    try (RocksIterator it = db.newIterator(cfs.get(CF_RECORDS))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        MemoryRecord r = RecordCodec.decode(it.value(), new String(key, StandardCharsets.UTF_8), dir.toString());
        d.add(r, 1);
        f.add(key);
        indexOps(ops, IndexWriter.Entry.of(r), key, true);
        if (++n % REINDEX_BATCH == 0) {
          writeIndexOps(b, ops);
        }
      }
      writeIndexOps(b, ops);
    }
    counters.reset();
    counters.apply(d);
    idFilter = f;
    LOG.info("rocksdb memory store {}: counted and reindexed {} records in {} ms", dir, n, (System.nanoTime() - t0) / 1_000_000);
  }

  /** An {@link IdFilter} of the ids in {@code records} (a clean open of a store that saved none, e.g. written by format 2). */
  private IdFilter idFilterFromKeys() {
    long t0 = System.nanoTime();
    IdFilter f = new IdFilter();
    long n = 0;
    try (RocksIterator it = db.newIterator(cfs.get(CF_RECORDS))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        f.add(it.key());
        n++;
      }
    }
    LOG.info("rocksdb memory store {}: id filter built from {} keys in {} ms", dir, n, (System.nanoTime() - t0) / 1_000_000);
    return f;
  }

  /**
   * Opens (creating when absent) the store in {@code dir}.
   *
   * @throws DwException UNAVAILABLE when the directory cannot be used (locked by another process, no
   *     permission, disk full); INTEGRITY when RocksDB reports corruption
   */
  public static RocksDbBackend open(Path dir, Options options, Time time) {
    try {
      RocksDbBackend b = new RocksDbBackend(dir, options, time);
      LOG.info("memory store opened: rocksdb {} ({} records)", dir, b.counters.records());
      return b;
    } catch (RocksDBException e) {
      throw translate(e, "cannot open the RocksDB memory store in " + dir);
    } catch (IOException e) {
      throw DwException.unavailable("cannot create the RocksDB memory store directory " + dir + ": " + e.getMessage(), e);
    }
  }

  private void clearSortTmp() throws IOException {
    if (Files.isDirectory(sortTmp)) {
      try (var files = Files.list(sortTmp)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** RocksDB's status as our error vocabulary. */
  static DwException translate(RocksDBException e, String what) {
    Status s = e.getStatus();
    Status.Code code = s == null ? Status.Code.Undefined : s.getCode();
    String msg = what + ": " + (e.getMessage() == null ? code : e.getMessage());
    return switch (code) {
      case Corruption -> DwException.integrity(msg, e);
      case IOError, Busy, TimedOut, TryAgain, Incomplete, ShutdownInProgress, Aborted -> DwException.unavailable(msg, e);
      case InvalidArgument -> DwException.of(ErrorCode.INVALID_ARGUMENT, msg, e);
      case NotSupported -> DwException.of(ErrorCode.UNSUPPORTED, msg, e);
      default -> DwException.internal(msg, e);
    };
  }

  private DwException fail(RocksDBException e, String what) {
    DwException d = translate(e, "rocksdb memory store " + dir + ": " + what);
    lastError = d.getMessage();
    return d;
  }

  @Override
  public String name() {
    return "rocksdb";
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.ATOMIC_BATCHES, Capability.TTL, Capability.SECONDARY_INDEXES,
        Capability.STREAMING_QUERY, Capability.DURABLE, Capability.CHECKPOINTS);
  }

  /** The directory of the store. */
  public Path directory() {
    return dir;
  }

  // ------------------------------------------------------------------ lifecycle guard

  private void enter() {
    lifecycle.readLock().lock();
    if (closed) {
      lifecycle.readLock().unlock();
      throw DwException.unavailable("the rocksdb memory store " + dir + " is closed", null);
    }
  }

  private void exit() {
    lifecycle.readLock().unlock();
  }

  private static int stripe(String id) {
    return (id.hashCode() * 0x9E3779B9 >>> 24) & (STRIPES - 1);
  }

  /** Locks the stripe of one id and returns it. */
  private int lockStripe(String id) {
    int i = stripe(id);
    stripes[i].lock();
    return i;
  }

  private int[] lockStripes(Collection<String> ids) {
    TreeSet<Integer> idx = new TreeSet<>();
    for (String id : ids) {
      idx.add(stripe(id));
    }
    int[] order = idx.stream().mapToInt(Integer::intValue).toArray();
    for (int i : order) {
      stripes[i].lock();
    }
    return order;
  }

  private void unlock(int[] order) {
    for (int i = order.length - 1; i >= 0; i--) {
      stripes[order[i]].unlock();
    }
  }

  // ------------------------------------------------------------------ writes

  /** One index entry to put or delete. */
  private record IndexOp(int cf, byte[] key, boolean put) {}

  /** Index operations in column family and key order; entries of one key keep their order (the sort is stable). */
  private static final java.util.Comparator<IndexOp> INDEX_ORDER =
      java.util.Comparator.<IndexOp>comparingInt(IndexOp::cf).thenComparing(IndexOp::key, Arrays::compareUnsigned);

  /** Adds the operations that put ({@code put}) or delete the index entries of {@code r}. */
  private static void indexOps(List<IndexOp> out, IndexWriter.Entry r, byte[] id, boolean put) {
    out.add(new IndexOp(CF_SCOPE, Keys.scopeKey(r.scope(), r.tier(), id), put));
    out.add(new IndexOp(CF_TIER, Keys.tierKey(r.tier(), id), put));
    for (String t : r.tags()) {
      out.add(new IndexOp(CF_TAG, Keys.tagKey(t, id), put));
    }
    if (r.expiresAt() != null) {
      out.add(new IndexOp(CF_EXPIRY, Keys.expiryKey(r.expiresAt(), id), put));
    }
  }

  /**
   * Writes {@code ops} in one WAL-less batch, sorted by column family and key first: each memtable
   * then takes its inserts in key order, so each starts where the previous one ended instead of
   * searching its skip list from the top (several times cheaper for entries of many scopes and
   * tags written interleaved). Empties {@code ops}.
   */
  private void writeIndexOps(BatchBytes b, List<IndexOp> ops) throws RocksDBException {
    ops.sort(INDEX_ORDER);
    try {
      for (IndexOp op : ops) {
        int id = cfs.get(op.cf()).getID();
        if (op.put()) {
          b.putEmpty(id, op.key());
        } else {
          b.delete(id, op.key());
        }
      }
      if (b.count() > 0) {
        // one JNI crossing for the whole group instead of one per entry
        try (WriteBatch wb = new WriteBatch(b.toBytes())) {
          idb.write(indexWriteOptions, wb);
        }
      }
    } finally {
      b.reset();
      ops.clear();
    }
  }


  /**
   * Writes a group of index changes (the indexer thread's {@link IndexWriter.Sink}): deletes of the
   * entries a record had, puts of those it has, in submission order, in one WAL-less batch.
   */
  private void writeIndexGroup(List<IndexWriter.Change> group) {
    List<IndexOp> ops = new ArrayList<>(4 * group.size());
    for (IndexWriter.Change c : group) {
      if (c.before() != null) {
        indexOps(ops, c.before(), c.id(), false);
      }
      if (c.after() != null) {
        indexOps(ops, c.after(), c.id(), true);
      }
    }
    try {
      writeIndexOps(indexBatch, ops);
    } catch (RocksDBException e) {
      throw fail(e, "write " + group.size() + " index changes");
    }
  }

  /**
   * Adds the replacement of {@code old} (may be null) by {@code s} to the batch and the counter
   * delta, and returns the index change to {@linkplain IndexWriter#submit submit} once the batch
   * is written.
   */
  private IndexWriter.Change replace(WriteBatch b, Counters.Delta d, MemoryRecord old, MemoryRecord s, byte[] id) throws RocksDBException {
    b.put(cfs.get(CF_RECORDS), id, RecordCodec.encode(s, id));
    return account(d, old, s, id);
  }

  /** Adds {@code old} (may be null) out and {@code s} in to the counter delta; returns the index change between them. */
  private static IndexWriter.Change account(Counters.Delta d, MemoryRecord old, MemoryRecord s, byte[] id) {
    if (old != null) {
      d.add(old, -1);
    }
    d.add(s, 1);
    return new IndexWriter.Change(id, IndexWriter.Entry.of(old), IndexWriter.Entry.of(s));
  }

  /** Reads the current values of {@code ids} (expired or not), null where absent. */
  private List<MemoryRecord> readRaw(ReadOptions ro, List<byte[]> keys, List<String> ids) throws RocksDBException {
    List<ColumnFamilyHandle> handles = Collections.nCopies(keys.size(), cfs.get(CF_RECORDS));
    List<byte[]> values = ro == null ? db.multiGetAsList(handles, keys) : db.multiGetAsList(ro, handles, keys);
    List<MemoryRecord> out = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      byte[] v = values.get(i);
      out.add(v == null ? null : RecordCodec.decode(v, ids.get(i), dir.toString()));
    }
    stats.reads.add(keys.size());
    return out;
  }

  /** {@link #readRaw(ReadOptions, List, List)} of the ids the {@link IdFilter} does not rule out; null for the others. */
  private List<MemoryRecord> readMaybePresent(List<byte[]> keys, List<String> ids) throws RocksDBException {
    List<Integer> maybe = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      if (idFilter.mightContain(keys.get(i))) {
        maybe.add(i);
      }
    }
    if (maybe.size() == keys.size()) {
      return readRaw(null, keys, ids);
    }
    List<MemoryRecord> out = new ArrayList<>(Collections.nCopies(keys.size(), (MemoryRecord) null));
    if (!maybe.isEmpty()) {
      List<MemoryRecord> found = readRaw(null, maybe.stream().map(keys::get).toList(), maybe.stream().map(ids::get).toList());
      for (int j = 0; j < maybe.size(); j++) {
        out.set(maybe.get(j), found.get(j));
      }
    }
    return out;
  }

  private MemoryRecord readRaw(byte[] key, String id) throws RocksDBException {
    byte[] v = db.get(cfs.get(CF_RECORDS), key);
    stats.reads.increment();
    return v == null ? null : RecordCodec.decode(v, id, dir.toString());
  }

  @Override
  public MemoryRecord store(MemoryRecord record) {
    long t0 = stats.start();
    enter();
    try {
      indexes.check();
    } catch (RuntimeException e) {
      exit();
      throw e;
    }
    int stripe = lockStripe(record.id());
    try {
      byte[] id = Keys.utf8(record.id());
      // a new id has no previous version to read: the filter says so for all but about 1 %
      MemoryRecord old = idFilter.mightContain(id) ? readRaw(id, record.id()) : null;
      MemoryRecord s = Stamps.forStore(record, old, time.now());
      putOne(old, s, id);
      return s;
    } catch (RocksDBException e) {
      throw fail(e, "store '" + record.id() + "'");
    } finally {
      stripes[stripe].unlock();
      exit();
      stats.record("store", t0);
    }
  }

  /**
   * Writes {@code s} over {@code old} (may be null) as one put (no batch: a record is one entry, its
   * index entries follow through the indexer), then updates the id filter and the counters and
   * submits the index change. The caller holds the id's stripe lock.
   */
  private void putOne(MemoryRecord old, MemoryRecord s, byte[] id) throws RocksDBException {
    db.put(cfs.get(CF_RECORDS), writeOptions, id, RecordCodec.encode(s, id));
    idFilter.add(id);
    Counters.Delta d = new Counters.Delta();
    IndexWriter.Change c = account(d, old, s, id);
    counters.apply(d);
    indexes.submit(c);
    stats.writes.increment();
  }

  @Override
  public List<MemoryRecord> storeAll(List<MemoryRecord> records) {
    if (records.isEmpty()) {
      return List.of();
    }
    Stamps.requireDistinct(records);
    long t0 = stats.start();
    enter();
    List<String> ids = records.stream().map(MemoryRecord::id).toList();
    try {
      indexes.check();
    } catch (RuntimeException e) {
      exit();
      throw e;
    }
    int[] locked = lockStripes(ids);
    try (WriteBatch b = new WriteBatch()) {
      List<byte[]> keys = ids.stream().map(Keys::utf8).toList();
      List<MemoryRecord> olds = readMaybePresent(keys, ids);
      Instant now = time.now();
      Counters.Delta d = new Counters.Delta();
      List<MemoryRecord> out = new ArrayList<>(records.size());
      List<IndexWriter.Change> changes = new ArrayList<>(records.size());
      for (int i = 0; i < records.size(); i++) {
        MemoryRecord s = Stamps.forStore(records.get(i), olds.get(i), now);
        changes.add(replace(b, d, olds.get(i), s, keys.get(i)));
        out.add(s);
      }
      db.write(writeOptions, b);
      keys.forEach(idFilter::add);
      counters.apply(d);
      changes.forEach(indexes::submit);
      stats.writes.add(out.size());
      return out;
    } catch (RocksDBException e) {
      throw fail(e, "store a batch of " + records.size());
    } finally {
      unlock(locked);
      exit();
      stats.record("batch", t0);
    }
  }

  @Override
  public MemoryRecord update(MemoryRecord record) {
    long t0 = stats.start();
    enter();
    try {
      indexes.check();
    } catch (RuntimeException e) {
      exit();
      throw e;
    }
    int stripe = lockStripe(record.id());
    try {
      byte[] id = Keys.utf8(record.id());
      MemoryRecord old = readRaw(id, record.id());
      MemoryRecord s = Stamps.forUpdate(record, old, time.now(), name());
      putOne(old, s, id);
      return s;
    } catch (RocksDBException e) {
      throw fail(e, "update '" + record.id() + "'");
    } finally {
      stripes[stripe].unlock();
      exit();
      stats.record("update", t0);
    }
  }

  @Override
  public boolean delete(String id) {
    return deleteAll(List.of(id)) == 1;
  }

  @Override
  public int deleteAll(Collection<String> idsIn) {
    List<String> ids = List.copyOf(new java.util.LinkedHashSet<>(idsIn));
    if (ids.isEmpty()) {
      return 0;
    }
    long t0 = stats.start();
    enter();
    int[] locked = lockStripes(ids);
    try (WriteBatch b = new WriteBatch()) {
      int n = deleteLocked(b, ids, null);
      stats.deletes.add(n);
      return n;
    } catch (RocksDBException e) {
      throw fail(e, "delete " + ids.size() + " records");
    } finally {
      unlock(locked);
      exit();
      stats.record("delete", t0);
    }
  }

  /** Deletes those of {@code ids} that exist (and, when {@code expiredAt} is given, are expired then). */
  private int deleteLocked(WriteBatch b, List<String> ids, Instant expiredAt) throws RocksDBException {
    List<byte[]> keys = ids.stream().map(Keys::utf8).toList();
    List<MemoryRecord> olds = readRaw(null, keys, ids);
    Counters.Delta d = new Counters.Delta();
    List<IndexWriter.Change> changes = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      MemoryRecord old = olds.get(i);
      if (old == null || (expiredAt != null && !old.isExpired(expiredAt))) {
        continue;
      }
      b.delete(cfs.get(CF_RECORDS), keys.get(i));
      changes.add(new IndexWriter.Change(keys.get(i), IndexWriter.Entry.of(old), null));
      d.add(old, -1);
    }
    if (!changes.isEmpty()) {
      db.write(writeOptions, b);
      counters.apply(d);
      changes.forEach(indexes::submit);
    }
    return changes.size();
  }

  @Override
  public int touch(Collection<String> idsIn, Instant at) {
    List<String> ids = List.copyOf(new java.util.LinkedHashSet<>(idsIn));
    if (ids.isEmpty()) {
      return 0;
    }
    enter();
    int[] locked = lockStripes(ids);
    try (WriteBatch b = new WriteBatch()) {
      List<byte[]> keys = ids.stream().map(Keys::utf8).toList();
      List<MemoryRecord> olds = readRaw(null, keys, ids);
      Instant now = time.now();
      Counters.Delta d = new Counters.Delta();
      int n = 0;
      for (int i = 0; i < ids.size(); i++) {
        MemoryRecord old = olds.get(i);
        if (old != null && !old.isExpired(now)) {
          replace(b, d, old, Stamps.touched(old, at), keys.get(i)); // a touch keeps every indexed field
          n++;
        }
      }
      if (n > 0) {
        db.write(writeOptions, b);
        counters.apply(d);
      }
      stats.writes.add(n);
      return n;
    } catch (RocksDBException e) {
      throw fail(e, "touch " + ids.size() + " records");
    } finally {
      unlock(locked);
      exit();
    }
  }

  // ------------------------------------------------------------------ reads

  @Override
  public Optional<MemoryRecord> get(String id) {
    long t0 = stats.start();
    enter();
    try {
      MemoryRecord r = readRaw(Keys.utf8(id), id);
      return r == null || r.isExpired(time.now()) ? Optional.empty() : Optional.of(r);
    } catch (RocksDBException e) {
      throw fail(e, "get '" + id + "'");
    } finally {
      exit();
      stats.record("get", t0);
    }
  }

  @Override
  public Map<String, MemoryRecord> getAll(Collection<String> idsIn) {
    List<String> ids = List.copyOf(new java.util.LinkedHashSet<>(idsIn));
    long t0 = stats.start();
    enter();
    try {
      Map<String, MemoryRecord> out = new LinkedHashMap<>();
      Instant now = time.now();
      for (int from = 0; from < ids.size(); from += FETCH_CHUNK) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + FETCH_CHUNK));
        List<MemoryRecord> rs = readRaw(null, chunk.stream().map(Keys::utf8).toList(), chunk);
        for (MemoryRecord r : rs) {
          if (r != null && !r.isExpired(now)) {
            out.put(r.id(), r);
          }
        }
      }
      return out;
    } catch (RocksDBException e) {
      throw fail(e, "get " + ids.size() + " records");
    } finally {
      exit();
      stats.record("batch-get", t0);
    }
  }

  @Override
  public boolean exists(String id) {
    enter();
    try {
      byte[] key = Keys.utf8(id);
      if (!db.keyExists(cfs.get(CF_RECORDS), key)) {
        return false;
      }
      MemoryRecord r = readRaw(key, id);
      return r != null && !r.isExpired(time.now());
    } catch (RocksDBException e) {
      throw fail(e, "exists '" + id + "'");
    } finally {
      exit();
    }
  }

  /** The plan of {@code q}: which index and which prefixes (for tests and {@code explain}). */
  public String explain(MemoryQuery q) {
    Plan p = plan(q);
    return p.index == -1 ? "scan records" : "index " + CF_NAMES.get(p.index) + " x" + p.prefixes.size();
  }

  private record Plan(int index, List<byte[]> prefixes, int idOffsetAfterPrefix) {}

  private static Plan plan(MemoryQuery q) {
    if (!q.scopes().isEmpty()) {
      // one prefix per scope and tier: within (scope, tier) the ids are in order, so the merge is too
      Set<MemoryTier> tiers = q.tiers().isEmpty() ? EnumSet.allOf(MemoryTier.class) : q.tiers();
      List<byte[]> ps = new ArrayList<>();
      for (String s : q.scopes()) {
        for (MemoryTier t : tiers) {
          ps.add(Keys.scopeTierPrefix(s, t));
        }
      }
      return new Plan(CF_SCOPE, ps, 0);
    }
    if (!q.tagsAll().isEmpty()) {
      return new Plan(CF_TAG, List.of(Keys.tagPrefix(q.tagsAll().iterator().next())), 0);
    }
    if (!q.tiers().isEmpty()) {
      return new Plan(CF_TIER, q.tiers().stream().map(Keys::tierPrefix).toList(), 0);
    }
    if (!q.tagsAny().isEmpty()) {
      return new Plan(CF_TAG, q.tagsAny().stream().map(Keys::tagPrefix).toList(), 0);
    }
    return new Plan(-1, List.of(), 0);
  }

  /**
   * Resources of one query: a snapshot of each database (the index one taken first, after the
   * indexer caught up), their read options, iterators. Closed once.
   */
  private final class QueryResources implements AutoCloseable {
    final Snapshot indexSnapshot = idb.getSnapshot();
    final ReadOptions indexRo = new ReadOptions().setSnapshot(indexSnapshot).setFillCache(true);
    final Snapshot snapshot = db.getSnapshot();
    final ReadOptions ro = new ReadOptions().setSnapshot(snapshot).setFillCache(true);
    final List<AutoCloseable> more = new ArrayList<>();
    private boolean done;

    @Override
    public void close() {
      lifecycle.readLock().lock();
      try {
        synchronized (this) {
          if (done) {
            return;
          }
          done = true;
          for (AutoCloseable c : more) {
            try {
              c.close();
            } catch (Exception e) {
              LOG.debug("closing a query resource", e);
            }
          }
          ro.close();
          db.releaseSnapshot(snapshot);
          indexRo.close();
          idb.releaseSnapshot(indexSnapshot);
        }
      } finally {
        openStreams.remove(this);
        lifecycle.readLock().unlock();
      }
    }

    synchronized void check() {
      if (done || closed) {
        throw DwException.unavailable("the query stream over " + dir + " is closed", null);
      }
    }
  }

  /** Ids in byte order from a k-way merge of prefix scans, without duplicates. */
  private final class MergedIds implements Iterator<byte[]> {
    private record Source(RocksIterator it, byte[] prefix, int idOffset) {}

    private final PriorityQueue<Source> heap = new PriorityQueue<>((a, b) -> Arrays.compareUnsigned(id(a), id(b)));
    private final QueryResources res;
    private byte[] last;

    MergedIds(QueryResources res, int cf, List<byte[]> prefixes, int extraOffset) {
      this.res = res;
      for (byte[] p : prefixes) {
        RocksIterator it = idb.newIterator(cfs.get(cf), res.indexRo);
        res.more.add(it);
        it.seek(p);
        Source s = new Source(it, p, p.length + extraOffset);
        if (valid(s)) {
          heap.add(s);
        }
      }
    }

    private static byte[] id(Source s) {
      byte[] k = s.it.key();
      return Arrays.copyOfRange(k, s.idOffset, k.length);
    }

    private static boolean valid(Source s) {
      return s.it.isValid() && Keys.startsWith(s.it.key(), s.prefix);
    }

    private void skipDuplicates() {
      while (!heap.isEmpty() && last != null && Arrays.equals(id(heap.peek()), last)) {
        advance(heap.poll());
      }
    }

    private void advance(Source s) {
      s.it.next();
      if (valid(s)) {
        heap.add(s);
      }
    }

    @Override
    public boolean hasNext() {
      res.check();
      skipDuplicates();
      return !heap.isEmpty();
    }

    @Override
    public byte[] next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Source s = heap.poll();
      last = id(s);
      advance(s);
      return last;
    }
  }

  /** Matching records in id order, fetched in chunks from the snapshot. */
  private final class Matches implements Iterator<MemoryRecord> {
    private final QueryResources res;
    private final MemoryQuery q;
    private final Instant now;
    private final Iterator<byte[]> ids;
    private final RocksIterator scan;
    private final ArrayList<MemoryRecord> chunk = new ArrayList<>();
    private int pos;

    Matches(QueryResources res, MemoryQuery q, Instant now) {
      this.res = res;
      this.q = q;
      this.now = now;
      Plan p = plan(q);
      if (p.index == -1) {
        this.ids = null;
        this.scan = db.newIterator(cfs.get(CF_RECORDS), res.ro);
        res.more.add(scan);
        scan.seekToFirst();
      } else {
        this.ids = new MergedIds(res, p.index, p.prefixes, p.idOffsetAfterPrefix);
        this.scan = null;
      }
    }

    private void fill() {
      chunk.clear();
      pos = 0;
      while (chunk.isEmpty()) {
        enter();
        try {
          res.check();
          if (scan != null) {
            int n = 0;
            while (scan.isValid() && n < FETCH_CHUNK) {
              String id = new String(scan.key(), StandardCharsets.UTF_8);
              MemoryRecord r = RecordCodec.decode(scan.value(), id, dir.toString());
              n++;
              if (q.matches(r, now)) {
                chunk.add(r);
              }
              scan.next();
            }
            stats.reads.add(n);
            if (n == 0) {
              return;
            }
          } else {
            List<byte[]> keys = new ArrayList<>(FETCH_CHUNK);
            List<String> names = new ArrayList<>(FETCH_CHUNK);
            while (keys.size() < FETCH_CHUNK && ids.hasNext()) {
              byte[] k = ids.next();
              keys.add(k);
              names.add(new String(k, StandardCharsets.UTF_8));
            }
            if (keys.isEmpty()) {
              return;
            }
            List<MemoryRecord> rs = readRaw(res.ro, keys, names);
            for (int i = 0; i < rs.size(); i++) {
              MemoryRecord r = rs.get(i);
              // null: deleted by a write that raced this query, whose index change is not in the snapshot yet
              if (r != null && q.matches(r, now)) {
                chunk.add(r);
              }
            }
          }
        } catch (RocksDBException e) {
          throw fail(e, "query");
        } finally {
          exit();
        }
      }
    }

    @Override
    public boolean hasNext() {
      if (pos >= chunk.size()) {
        fill();
      }
      return pos < chunk.size();
    }

    @Override
    public MemoryRecord next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return chunk.get(pos++);
    }
  }

  @Override
  public Stream<MemoryRecord> query(MemoryQuery q) {
    long t0 = stats.start();
    enter();
    QueryResources res;
    Iterator<MemoryRecord> matches;
    try {
      indexes.await(); // every change acknowledged before this query is in the snapshot's indexes
      res = new QueryResources();
      openStreams.add(res);
      matches = new Matches(res, q, time.now());
    } finally {
      exit();
    }
    stats.queries.increment();
    try {
      Iterator<MemoryRecord> ordered;
      boolean idOrder = q.sort() == MemoryQuery.SortField.ID && q.direction() == MemoryQuery.Direction.ASC;
      if (idOrder) {
        ordered = matches;
      } else if (q.limit() != Long.MAX_VALUE && q.skip() + q.limit() <= TOP_K_MAX) {
        ordered = topK(matches, q);
      } else {
        ExternalSorter sorter = new ExternalSorter(q.comparator(), sortTmp, SORT_BUFFER_BYTES);
        res.more.add(sorter);
        while (matches.hasNext()) {
          sorter.add(matches.next());
        }
        ordered = sorter.sorted();
      }
      Stream<MemoryRecord> s = StreamSupport.stream(Spliterators.spliteratorUnknownSize(ordered,
          Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(res::close);
      return s.skip(q.skip()).limit(q.limit());
    } catch (RuntimeException e) {
      res.close();
      throw e;
    } finally {
      stats.record("query", t0);
    }
  }

  /** The first {@code skip + limit} matches in query order, from a bounded heap. */
  private static Iterator<MemoryRecord> topK(Iterator<MemoryRecord> matches, MemoryQuery q) {
    int k = (int) (q.skip() + q.limit());
    if (k == 0) {
      return Collections.emptyIterator();
    }
    java.util.Comparator<MemoryRecord> order = q.comparator();
    PriorityQueue<MemoryRecord> heap = new PriorityQueue<>(k, order.reversed());
    while (matches.hasNext()) {
      MemoryRecord r = matches.next();
      if (heap.size() < k) {
        heap.add(r);
      } else if (order.compare(r, heap.peek()) < 0) {
        heap.poll();
        heap.add(r);
      }
    }
    List<MemoryRecord> out = new ArrayList<>(heap);
    out.sort(order);
    return out.iterator();
  }

  @Override
  public long purgeExpired() {
    Instant now = time.now();
    long purged = 0;
    byte[] end = Keys.prefixEnd(Keys.expiryPrefix(now));
    while (true) {
      List<String> ids = new ArrayList<>();
      enter();
      try {
        indexes.await();
      } catch (RuntimeException e) {
        exit();
        throw e;
      }
      try (RocksIterator it = idb.newIterator(cfs.get(CF_EXPIRY))) {
        it.seekToFirst();
        while (it.isValid() && ids.size() < 1000 && (end == null || Arrays.compareUnsigned(it.key(), end) < 0)) {
          byte[] k = it.key();
          ids.add(new String(k, 8, k.length - 8, StandardCharsets.UTF_8));
          it.next();
        }
      } finally {
        exit();
      }
      if (ids.isEmpty()) {
        break;
      }
      int n = deleteExpired(ids, now);
      purged += n;
      if (n == 0) {
        // entries in this millisecond that are not yet expired at nanosecond precision: done
        break;
      }
    }
    if (purged > 0) {
      LOG.debug("rocksdb memory store {}: purged {} expired records", dir, purged);
    }
    return purged;
  }

  private int deleteExpired(List<String> ids, Instant now) {
    enter();
    int[] locked = lockStripes(ids);
    try (WriteBatch b = new WriteBatch()) {
      int n = deleteLocked(b, ids, now);
      stats.deletes.add(n);
      return n;
    } catch (RocksDBException e) {
      throw fail(e, "purge expired records");
    } finally {
      unlock(locked);
      exit();
    }
  }

  @Override
  public void compact() {
    purgeExpired();
    enter();
    try {
      for (int cf = 0; cf < cfs.size(); cf++) {
        (isIndex(cf) ? idb : db).compactRange(cfs.get(cf));
      }
    } catch (RocksDBException e) {
      throw fail(e, "compact");
    } finally {
      exit();
    }
  }

  @Override
  public void flush() {
    enter();
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      indexes.await();
      db.flushWal(true);
      db.flush(fo, List.of(cfs.get(CF_DEFAULT), cfs.get(CF_RECORDS), cfs.get(CF_META)));
      idb.flush(fo, indexHandles());
    } catch (RocksDBException e) {
      throw fail(e, "flush");
    } finally {
      exit();
    }
  }

  @Override
  public void checkpoint(Path target) {
    if (Files.exists(target)) {
      throw DwException.of(ErrorCode.ALREADY_EXISTS, "checkpoint target " + target + " exists; give a directory that does not");
    }
    enter();
    try (Checkpoint cp = Checkpoint.create(db)) {
      indexes.await(); // not needed for correctness (an open of a checkpoint rebuilds its indexes), but a checkpoint should be current
      Path parent = target.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      cp.createCheckpoint(target.toString());
      LOG.info("rocksdb memory store {}: checkpoint written to {}", dir, target);
    } catch (RocksDBException e) {
      throw fail(e, "checkpoint to " + target);
    } catch (IOException e) {
      throw DwException.unavailable("cannot create " + target.getParent() + ": " + e.getMessage(), e);
    } finally {
      exit();
    }
  }

  @Override
  public BackendStatistics statistics() {
    enter();
    try {
      long[] c = counters.snapshot();
      Map<MemoryTier, BackendStatistics.TierStatistics> tiers = new EnumMap<>(MemoryTier.class);
      long records = 0;
      long bytes = 0;
      for (MemoryTier t : MemoryTier.values()) {
        tiers.put(t, new BackendStatistics.TierStatistics(c[2 * t.ordinal()], c[2 * t.ordinal() + 1]));
        records += c[2 * t.ordinal()];
        bytes += c[2 * t.ordinal() + 1];
      }
      return new BackendStatistics(name(), records, bytes, tiers, stats.reads.sum(),
          stats.writes.sum(), stats.deletes.sum(), stats.queries.sum(), stats.latencies(), diskBytes());
    } finally {
      exit();
    }
  }

  private long diskBytes() {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0; // a file removed by a compaction while we walk
        }
      }).sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return -1;
    }
  }

  @Override
  public Health health() {
    if (closed) {
      return Health.down("closed");
    }
    if (indexes.failed()) {
      return Health.down("rocksdb " + dir + ": index maintenance failed (" + lastError + "); reopen the store to rebuild the indexes");
    }
    Health h = lastError == null ? Health.up("rocksdb " + dir) : Health.degraded("rocksdb " + dir + ": last error: " + lastError);
    try {
      return h.withDetail("directory", dir.toString())
          .withDetail("indexBacklog", indexes.backlog())
          .withDetail("estimatedKeys", db.getLongProperty(cfs.get(CF_RECORDS), "rocksdb.estimate-num-keys"))
          .withDetail("openQueries", openStreams.size());
    } catch (RocksDBException e) {
      return Health.degraded("rocksdb " + dir + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      lifecycle.writeLock().unlock();
    }
    for (AutoCloseable s : List.copyOf(openStreams)) {
      try {
        s.close();
      } catch (Exception e) {
        LOG.debug("closing a query left open", e);
      }
    }
    lifecycle.writeLock().lock();
    try {
      // no write is in flight (the write lock is held): apply the queued index changes
      boolean indexed = indexes != null && indexes.stop();
      if (!refused && !indexed) {
        LOG.warn("rocksdb memory store {}: closed with incomplete indexes; the next open rebuilds them from the records", dir);
      } else if (!refused) {
        try (WriteOptions sync = new WriteOptions().setSync(true);
            FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
          // the WAL-less index entries reach SST files, and the index database gets the token, before
          // the store is marked clean
          idb.flush(fo, indexHandles());
          byte[] token = new byte[16];
          new java.security.SecureRandom().nextBytes(token);
          idb.put(indexDefault, sync, TOKEN_KEY, token);
          db.flushWal(true);
          // the counters are exact, save them (and the id filter, and the token) for the next open: their
          // presence marks a clean close
          try (WriteBatch b = new WriteBatch()) {
            b.put(cfs.get(CF_META), IDS_KEY, idFilter.save());
            b.put(cfs.get(CF_META), TOKEN_KEY, token);
            b.put(cfs.get(CF_META), COUNTERS_KEY, counters.save());
            db.write(sync, b);
          }
        } catch (RocksDBException e) {
          LOG.warn("rocksdb memory store {}: flushing the indexes, syncing the WAL or saving the counters at close failed ({});"
              + " the next open recounts and reindexes", dir, e.getMessage());
        }
      }
      for (ColumnFamilyHandle h : indexHandles()) {
        h.close();
      }
      indexDefault.close();
      idb.close();
      for (ColumnFamilyHandle h : mainHandles) {
        h.close();
      }
      db.close();
      writeOptions.close();
      indexWriteOptions.close();
      releaseOptions();
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  private static boolean isIndex(int cf) {
    return cf >= CF_SCOPE && cf <= CF_EXPIRY;
  }

  /** The handles of the four index families (in {@link #idb}). */
  private List<ColumnFamilyHandle> indexHandles() {
    return List.copyOf(cfs.subList(CF_SCOPE, CF_EXPIRY + 1));
  }

  private void refuseAndClose() {
    refused = true;
    close();
  }

  private void releaseOptions() {
    dbOptions.close();
    for (ColumnFamilyOptions o : cfOptions) {
      o.close();
    }
    bloom.close();
    cache.close();
  }
}
