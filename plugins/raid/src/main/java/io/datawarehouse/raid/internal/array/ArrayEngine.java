package io.datawarehouse.raid.internal.array;

import io.datawarehouse.raid.ArraySpec;
import io.datawarehouse.raid.ArrayStatus;
import io.datawarehouse.raid.BlockDevice;
import io.datawarehouse.raid.BlockDeviceFactory;
import io.datawarehouse.raid.RaidEvent;
import io.datawarehouse.raid.RaidLevel;
import io.datawarehouse.raid.ScrubReport;
import io.datawarehouse.raid.codec.ErasureCodec;
import io.datawarehouse.raid.internal.disk.ChecksumMismatchException;
import io.datawarehouse.raid.internal.disk.DiskLayout;
import io.datawarehouse.raid.internal.disk.MemberDisk;
import io.datawarehouse.raid.internal.disk.SpareExhaustedException;
import io.datawarehouse.raid.internal.disk.Superblock;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The array: assembly from superblocks, the read and write paths, failure handling, rebuild,
 * scrub and resync.
 *
 * <p>Design note. A stripe is block {@code s} of every member disk; {@link Layout} says which
 * shard of which erasure-code group each disk holds. Reads fetch only the data chunks they need
 * and fall back, per group, to reading {@code k} other shards and decoding just the missing data
 * (a degraded read); a shard that failed with a read error is relocated to a spare block, one that
 * failed its checksum is rewritten in place (healing). Writes choose per group: a full group is
 * encoded once; a small partial write is a read-modify-write ({@code P += c * (old + new)}); a
 * larger one, or one on a degraded group, reads the rest of the group and re-encodes.
 *
 * <p>Crash safety: before any write into a stripe its region is marked in the write-intent bitmap
 * and forced; a flush clears regions whose writes are durable. At open, marked regions are
 * resynced: shards failing their checksum are rebuilt, then parity is recomputed from data. Every
 * block carries its CRC32C (current and previous, see {@link MemberDisk}). A group running without
 * one of its members cannot be resynced that way (its missing shard exists only as what the others
 * decode to), so its updates go through the {@link WriteJournal} first and are replayed at open.
 *
 * <p>Membership: each disk's superblock has the member table and a generation that every
 * assembly, every change and each round of a clean close increments on all disks (as md's event
 * counter). The newest superblock is the authority. After a clean close every member must be at
 * its generation (or one behind in state {@code closing}); after an unclean stop one generation
 * behind is tolerated (a crash in the middle of a superblock update). A disk outside that rule,
 * or marked failed, is stale: it is resynced from stripe 0, never read from until the rebuild
 * passes a stripe.
 *
 * <p>Threading: thread-safe. Per-stripe read/write locks (striped over {@value #LOCKS} locks) order
 * reads, writes, rebuild and scrub; membership changes are synchronized on the engine.
 */
public final class ArrayEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArrayEngine.class);
  private static final int LOCKS = 1024;
  private static final int CHECKPOINT_MAGIC = FramedFile.magic("DWRC");
  private static final int CHECKPOINT_EVERY = 64;
  /** A write that finds the degraded-write journal larger than this flushes the array (which empties it). */
  private static final long JOURNAL_FLUSH_BYTES = 64L << 20;
  /** Smallest block size whose batched reads go block by block into the caller's buffer. */
  private static final int DIRECT_READ_BLOCK = 16 * 1024;

  private final Path dir;
  private final Time time;
  private final BlockDeviceFactory devices;
  private final String arrayId;
  private final Layout layout;
  private final DiskLayout diskLayout;
  private final Superblock template;
  private final MemberDisk[] roles;
  private final String[] roleState;
  private final long[] rebuildPos;
  private final List<MemberDisk> spares = new ArrayList<>();
  private final IntentBitmap bitmap;
  private final WriteJournal journal;
  private final ReentrantReadWriteLock[] locks = new ReentrantReadWriteLock[LOCKS];
  private final List<Consumer<RaidEvent>> listeners = new CopyOnWriteArrayList<>();
  /** Events of the assembly (stale or missing disks, spares, resync), for listeners added later. */
  private final List<RaidEvent> assemblyEvents = new CopyOnWriteArrayList<>();
  private volatile boolean assembling = true;
  private final ThreadLocal<byte[][]> scratch;
  private final ThreadLocal<byte[][]> batchScratch;
  private final int batch;
  private final ReentrantReadWriteLock barrier = new ReentrantReadWriteLock();
  private volatile WriteHook writeHook = WriteHook.NONE;
  private volatile boolean cancel;
  private ArrayMeta meta;
  private java.nio.channels.FileLock lock;
  private long generation;
  private boolean closed;

  /** Called before a range of the array is overwritten (snapshots copy the old blocks here). */
  @FunctionalInterface
  public interface WriteHook {
    WriteHook NONE = (pos, len) -> {};

    void beforeWrite(long pos, long len);
  }

  private ArrayEngine(Path dir, Time time, BlockDeviceFactory devices, ArrayMeta meta, Superblock authority, MemberDisk[] roles, String[] roleState, List<MemberDisk> spareDisks) {
    this.dir = dir;
    this.time = time;
    this.devices = devices;
    this.meta = meta;
    this.arrayId = authority.arrayId();
    this.template = authority;
    this.diskLayout = DiskLayout.plan(authority.diskSize(), authority.blockSize());
    RaidLevel level = RaidLevel.parse(authority.level());
    this.layout = new Layout(level, authority.disks(), authority.dataShards(), authority.parityShards(), authority.blockSize(), diskLayout.blocks());
    this.roles = roles;
    this.roleState = roleState;
    this.rebuildPos = new long[roles.length];
    this.spares.addAll(spareDisks);
    this.generation = authority.generation();
    for (int i = 0; i < LOCKS; i++) {
      locks[i] = new ReentrantReadWriteLock();
    }
    int width = layout.codec(0).totalShards();
    int bs = layout.blockSize();
    this.scratch = ThreadLocal.withInitial(() -> new byte[width * 2][bs]);
    this.batch = Math.max(1, Math.min(16, (1 << 20) / bs));
    int disks = roles.length;
    this.batchScratch = ThreadLocal.withInitial(() -> new byte[disks][batch * bs]);
    this.bitmap = IntentBitmap.open(dir.resolve("intent.bitmap"), diskLayout.blocks());
    WriteJournal j;
    try {
      j = WriteJournal.open(dir, bs);
    } catch (RuntimeException e) {
      closeQuietly(bitmap);
      throw e;
    }
    this.journal = j;
  }

  // ---------------------------------------------------------------- create and assemble

  /** Creates the array's disks and metadata in {@code dir} and opens it. */
  public static ArrayEngine create(Path dir, ArraySpec spec, Time time, BlockDeviceFactory devices) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw DwException.unavailable("cannot create " + dir + ": " + e.getMessage(), e);
    }
    if (Files.exists(dir.resolve(ArrayMeta.FILE))) {
      throw DwException.of(ErrorCode.ALREADY_EXISTS, dir + " already holds an array (" + ArrayMeta.FILE + " exists)");
    }
    DiskLayout dl = DiskLayout.plan(spec.diskSize(), spec.blockSize());
    int total = spec.disks() + spec.spares();
    List<Path> paths = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      paths.add(spec.diskPaths().isEmpty() ? dir.resolve(i < spec.disks() ? "disk-" + i + ".img" : "spare-" + (i - spec.disks()) + ".img") : spec.diskPaths().get(i));
    }
    for (Path p : paths) {
      if (Files.exists(p)) {
        throw DwException.of(ErrorCode.ALREADY_EXISTS, "disk " + p + " already exists; the array creates its disk files itself (remove it or choose another path)");
      }
    }
    String arrayId = UUID.randomUUID().toString();
    List<Superblock.Member> members = new ArrayList<>();
    List<String> diskIds = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      diskIds.add(UUID.randomUUID().toString());
      if (i < spec.disks()) {
        members.add(new Superblock.Member(i, diskIds.get(i), Superblock.ACTIVE));
      }
    }
    int k = spec.level() == RaidLevel.RS ? spec.dataShards() : 0;
    int m = spec.level() == RaidLevel.RS ? spec.parityShards() : 0;
    Superblock base = new Superblock(arrayId, null, 0, 1, Superblock.CLEAN, spec.level().cliName(), spec.disks(), k, m, spec.blockSize(), spec.diskSize(), members);
    for (int i = 0; i < total; i++) {
      try (BlockDevice dev = devices.create(paths.get(i), spec.diskSize())) {
        MemberDisk.format(dev, dl, base.with(diskIds.get(i), i < spec.disks() ? i : -1, 1, Superblock.CLEAN, members));
      } catch (IOException e) {
        throw DwException.unavailable("cannot create disk " + paths.get(i) + ": " + e.getMessage(), e);
      }
    }
    IntentBitmap.create(dir.resolve("intent.bitmap"), dl.blocks(), (long) spec.blockSize() * dataChunks(spec));
    new ArrayMeta(arrayId, paths.stream().map(p -> ArrayMeta.relativize(dir, p)).toList()).write(dir);
    return open(dir, time, devices);
  }

  private static int dataChunks(ArraySpec spec) {
    return switch (spec.level()) {
      case RAID0 -> spec.disks();
      case RAID1 -> 1;
      case RAID5 -> spec.disks() - 1;
      case RAID6 -> spec.disks() - 2;
      case RAID10 -> spec.disks() / 2;
      case RS -> spec.dataShards();
    };
  }

  /**
   * Takes the array's lock file so that one process at a time opens it (another {@code dw raid}
   * command while {@code dw serve} runs the array would corrupt it). The OS drops the lock when the
   * process dies.
   */
  private static java.nio.channels.FileLock lockArray(Path dir) {
    Path f = dir.resolve("array.lock");
    try {
      java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
      java.nio.channels.FileLock l;
      try {
        l = ch.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        ch.close();
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "array in " + dir + " is open in another process or instance (" + f + " is locked); stop it first");
      }
      return l;
    } catch (IOException e) {
      throw DwException.unavailable("cannot lock " + f + ": " + e.getMessage(), e);
    }
  }

  /** Assembles the array in {@code dir} from its disks' superblocks. */
  public static ArrayEngine open(Path dir, Time time, BlockDeviceFactory devices) {
    if (!Files.exists(dir.resolve(ArrayMeta.FILE))) {
      throw DwException.notFound("no array in " + dir + " (" + ArrayMeta.FILE + " is missing); create one with dw raid create");
    }
    java.nio.channels.FileLock lock = lockArray(dir);
    try {
      ArrayEngine e = assembleFrom(dir, time, devices);
      e.lock = lock;
      return e;
    } catch (RuntimeException e) {
      closeQuietly(lock.channel());
      throw e;
    }
  }

  private static ArrayEngine assembleFrom(Path dir, Time time, BlockDeviceFactory devices) {
    AtomicFiles.cleanTemporaryFiles(dir);
    ArrayMeta meta = ArrayMeta.read(dir);
    List<MemberDisk> found = new ArrayList<>();
    List<String> unusable = new ArrayList<>();
    for (String d : meta.disks()) {
      Path p = ArrayMeta.resolve(dir, d);
      if (!Files.exists(p)) {
        LOG.warn("array {}: disk {} is missing", meta.arrayId(), p);
        continue;
      }
      BlockDevice dev = null;
      try {
        dev = devices.open(p);
        MemberDisk md = MemberDisk.open(dev);
        if (md == null) {
          LOG.warn("array {}: disk {} has no valid superblock (wiped or overwritten); it is not used", meta.arrayId(), p);
          dev.close();
        } else if (!md.superblock().arrayId().equals(meta.arrayId())) {
          LOG.warn("array {}: disk {} belongs to array {}; it is not used", meta.arrayId(), p, md.superblock().arrayId());
          dev.close();
        } else {
          found.add(md);
        }
      } catch (IOException | DwException e) {
        LOG.warn("array {}: disk {} cannot be used: {}", meta.arrayId(), p, e.getMessage());
        unusable.add(e.getMessage());
        closeQuietly(dev);
      }
    }
    if (found.isEmpty()) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "array " + meta.arrayId() + " in " + dir + ": none of its disks has a valid superblock"
          + (unusable.isEmpty() ? "" : " (" + String.join("; ", unusable) + ")"));
    }
    MemberDisk newest = found.get(0);
    for (MemberDisk d : found) {
      if (d.superblock().generation() > newest.superblock().generation()) {
        newest = d;
      }
    }
    Superblock authority = newest.superblock();
    // A version 2 clean close wrote two rounds (closing, clean) to every member after every write
    // was durable: each member is now at the newest generation, or one behind in state closing.
    // Any other disk is an old copy (or missed the close) and is stale. Without a clean close (or
    // with a version 1 authority, whose close was one round) a disk one generation behind is
    // tolerated: a crash cut a superblock update short, and every data write went to it as to its
    // peers (writes go to every member that is not failed); its dirty regions are resynced from the
    // bitmap with everyone else's.
    boolean cleanClose = Superblock.CLEAN.equals(authority.state()) && newest.superblockVersion() >= 2;
    int n = authority.disks();
    MemberDisk[] roles = new MemberDisk[n];
    String[] state = new String[n];
    List<MemberDisk> spareDisks = new ArrayList<>();
    Map<String, Superblock.Member> byDisk = new HashMap<>();
    for (Superblock.Member mb : authority.members()) {
      byDisk.put(mb.diskId(), mb);
      state[mb.role()] = mb.state();
    }
    List<Integer> stale = new ArrayList<>();
    for (MemberDisk d : found) {
      Superblock.Member mb = byDisk.get(d.superblock().diskId());
      if (mb == null) {
        if (d.superblock().role() == -1) {
          spareDisks.add(d);
        } else {
          LOG.warn("array {}: disk {} was replaced; it is not used", authority.arrayId(), d.name());
          closeQuietly(d);
        }
        continue;
      }
      roles[mb.role()] = d;
      if (Superblock.FAILED.equals(mb.state()) || !current(d.superblock(), authority, cleanClose)) {
        stale.add(mb.role());
      } else if (d.superblock().generation() < authority.generation()) {
        LOG.info("array {}: disk {} ({}) is one generation behind ({} < {}, state {}): a superblock update was cut short; it is kept",
            authority.arrayId(), mb.role(), d.name(), d.superblock().generation(), authority.generation(), d.superblock().state());
      }
    }
    ArrayEngine e = new ArrayEngine(dir, time, devices, meta, authority, roles, state, spareDisks);
    e.assemble(stale);
    e.assembling = false;
    return e;
  }

  /**
   * Whether a member's superblock is recent enough to trust its data, against the newest one
   * (see {@link Superblock} for the rule).
   */
  static boolean current(Superblock disk, Superblock authority, boolean cleanClose) {
    long g = disk.generation();
    long newest = authority.generation();
    if (g >= newest) {
      return true;
    }
    if (cleanClose) {
      return g == newest - 1 && Superblock.CLOSING.equals(disk.state());
    }
    return g == newest - 1;
  }

  private static final int STATS_MAGIC = FramedFile.magic("DWST");

  /** Counters of earlier runs, by disk id, from {@code stats.dat}. */
  @SuppressWarnings("unchecked")
  private void loadCounters() {
    Path f = dir.resolve("stats.dat");
    if (!Files.exists(f)) {
      return;
    }
    Map<String, Object> saved = Json.fromBytes(FramedFile.read(f, STATS_MAGIC, 1, 1).body(), Map.class, f.toString());
    for (MemberDisk d : roles) {
      if (d != null && saved.get(d.superblock().diskId()) instanceof Map<?, ?> m) {
        d.counters().add((Map<String, Object>) m);
      }
    }
  }

  /** Saves every disk's counters (at close), so monitoring covers the disk's life, not one run. */
  private void saveCounters() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (MemberDisk d : roles) {
      if (d != null) {
        out.put(d.superblock().diskId(), d.counters().snapshot());
      }
    }
    FramedFile.write(dir.resolve("stats.dat"), STATS_MAGIC, 1, Json.toBytes(out));
  }

  private void assemble(List<Integer> stale) {
    loadCounters();
    for (int r = 0; r < roles.length; r++) {
      if (roles[r] == null) {
        if (!Superblock.FAILED.equals(roleState[r])) {
          LOG.warn("array {}: disk {} is missing; running degraded", arrayId, r);
          event(RaidEvent.DISK_FAILED, r, "disk " + r + " is missing", Map.of());
        }
        roleState[r] = Superblock.FAILED;
      } else if (stale.contains(r)) {
        LOG.warn("array {}: disk {} ({}) is stale; it will be resynced from its peers", arrayId, r, roles[r].name());
        event(RaidEvent.DISK_STALE, r, "disk " + r + " is stale (generation " + roles[r].superblock().generation() + " < " + generation + "); resyncing", Map.of("path", roles[r].name()));
        roleState[r] = Superblock.REBUILDING;
        rebuildPos[r] = 0;
      } else if (Superblock.REBUILDING.equals(roleState[r])) {
        rebuildPos[r] = readCheckpoint(r, roles[r].superblock().diskId());
      }
    }
    checkRecoverable();
    for (int r = 0; r < roles.length; r++) {
      if (Superblock.FAILED.equals(roleState[r])) {
        activateSpare(r);
      }
    }
    writeSuperblocks(Superblock.ACTIVE);
    boolean replayed = replayJournal();
    resyncDirty();
    if (replayed) {
      flush();
    }
  }

  /**
   * Writes every complete transaction of the degraded-write journal again, in order (see {@link
   * WriteJournal}); the stripes they cover are then as their last journaled update made them.
   *
   * @return whether there was anything to replay
   */
  private boolean replayJournal() {
    List<WriteJournal.Txn> txns = journal.transactions();
    if (txns.isEmpty()) {
      return false;
    }
    LOG.warn("array {}: not closed cleanly; replaying {} degraded writes from {}", arrayId, txns.size(), journal.file());
    java.util.Set<Long> stripes = new java.util.TreeSet<>();
    for (WriteJournal.Txn t : txns) {
      if (t.stripe() < 0 || t.stripe() >= layout.stripes() || t.group() < 0 || t.group() >= layout.groups()) {
        throw DwException.integrity(journal.file() + ": transaction " + t.id() + " is for stripe " + t.stripe() + " group " + t.group()
            + ", outside the array (" + layout.stripes() + " stripes, " + layout.groups() + " groups)");
      }
      int n = layout.codec(t.group()).totalShards();
      for (int i = 0; i < t.shards().length; i++) {
        if (t.shards()[i] >= n) {
          throw DwException.integrity(journal.file() + ": transaction " + t.id() + " names shard " + t.shards()[i] + " of a " + n + "-shard group");
        }
        writeShard(t.stripe(), layout.disk(t.stripe(), t.group(), t.shards()[i]), t.contents()[i]);
      }
      stripes.add(t.stripe());
    }
    event(RaidEvent.JOURNAL_REPLAYED, -1, "replayed " + txns.size() + " degraded writes of " + stripes.size() + " stripes from the journal after an unclean shutdown",
        Map.of("writes", txns.size(), "stripes", stripes.size()));
    return true;
  }

  private void checkRecoverable() {
    for (int g = 0; g < layout.groups(); g++) {
      ErasureCodec c = layout.codec(g);
      int lost = 0;
      for (int j = 0; j < c.totalShards(); j++) {
        if (!Superblock.ACTIVE.equals(roleState[layout.disk(0, g, j)])) {
          lost++;
        }
      }
      if (lost > c.parityShards()) {
        LOG.error("array {}: {} disks of a group that tolerates {} are unusable; data cannot be read", arrayId, lost, c.parityShards());
      }
    }
  }

  // ---------------------------------------------------------------- accessors

  public String arrayId() {
    return arrayId;
  }

  public Layout layout() {
    return layout;
  }

  public long capacity() {
    return layout.capacity();
  }

  public int blockSize() {
    return layout.blockSize();
  }

  public Path dir() {
    return dir;
  }

  public Time time() {
    return time;
  }

  /**
   * Adds an event listener. It first receives the events of the assembly that opened the array
   * (they happen before anyone can listen: stale or missing disks, hot spares, resync), then every
   * later event.
   */
  public void addListener(Consumer<RaidEvent> l) {
    for (RaidEvent e : assemblyEvents) {
      deliver(l, e);
    }
    listeners.add(l);
  }

  public void setWriteHook(WriteHook hook) {
    this.writeHook = hook == null ? WriteHook.NONE : hook;
  }

  // ---------------------------------------------------------------- reads

  /** Reads {@code len} bytes at array offset {@code pos}. */
  public void read(long pos, byte[] dst, int off, int len) {
    checkRange(pos, len, dst, off);
    long stripeData = layout.stripeData();
    int bs = layout.blockSize();
    long end = pos + len;
    while (pos < end) {
      long s = pos / stripeData;
      long inStripe = pos - s * stripeData;
      if (inStripe == 0 && end - pos >= 2 * stripeData && allActive()) {
        int count = (int) Math.min(batch, (end - pos) / stripeData);
        if (readBatch(s, count, dst, off)) {
          pos += count * stripeData;
          off += (int) (count * stripeData);
          continue;
        }
      }
      int n = (int) Math.min(end - pos, stripeData - inStripe);
      ReentrantReadWriteLock.ReadLock lock = lock(s).readLock();
      lock.lock();
      try {
        readStripe(s, (int) inStripe, dst, off, n);
      } finally {
        lock.unlock();
      }
      pos += n;
      off += n;
    }
  }

  private void readStripe(long s, int inStripe, byte[] dst, int off, int len) {
    int bs = layout.blockSize();
    int firstChunk = inStripe / bs;
    int lastChunk = (inStripe + len - 1) / bs;
    for (int g = layout.groupOf(firstChunk); g <= layout.groupOf(lastChunk); g++) {
      ErasureCodec codec = layout.codec(g);
      int k = codec.dataShards();
      int n = codec.totalShards();
      byte[][] shards = scratch.get();
      Fault[] fault = new Fault[n];
      boolean[] wanted = new boolean[n];
      boolean degraded = false;
      for (int j = 0; j < k; j++) {
        int c = g * k + j;
        if (c < firstChunk || c > lastChunk) {
          continue;
        }
        wanted[j] = true;
        fault[j] = readShard(s, layout.disk(s, g, j), shards[j]);
        degraded |= fault[j] != null;
      }
      if (degraded) {
        recover(s, g, shards, fault, wanted, true);
      }
      for (int j = 0; j < k; j++) {
        if (wanted[j]) {
          int c = g * k + j;
          int from = Math.max(inStripe, c * bs);
          int to = Math.min(inStripe + len, (c + 1) * bs);
          System.arraycopy(shards[j], from - c * bs, dst, off + from - inStripe, to - from);
        }
      }
    }
  }

  private boolean allActive() {
    for (int r = 0; r < roles.length; r++) {
      if (roles[r] == null || !Superblock.ACTIVE.equals(roleState[r])) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads whole stripes {@code s0 .. s0+count-1}: with blocks of at least {@value
   * #DIRECT_READ_BLOCK} bytes, one request per data block straight into {@code dst}; with smaller
   * blocks, one request per disk for its run (parity included) and a copy. False when any disk
   * cannot serve its part whole (an error, a checksum mismatch, a remapped block): the caller then
   * reads stripe by stripe, which repairs what is wrong ({@code dst} may hold part of the batch).
   */
  private boolean readBatch(long s0, int count, byte[] dst, int off) {
    int bs = layout.blockSize();
    long stripeData = layout.stripeData();
    byte[][] bufs = batchScratch.get();
    for (int i = 0; i < count; i++) {
      lock(s0 + i).readLock().lock();
    }
    try {
      if (bs >= DIRECT_READ_BLOCK) {
        // data blocks only, each read straight into its place in dst: no parity read, no copy.
        // A disk's blocks of consecutive stripes are contiguous on it, so each run of stripes in
        // which it holds data is one scattering request into the caller's slices.
        int[][] where = new int[roles.length][count]; // dst offset of (disk, stripe), -1: not data
        for (int[] w : where) {
          java.util.Arrays.fill(w, -1);
        }
        for (int i = 0; i < count; i++) {
          long s = s0 + i;
          for (int c = 0; c < layout.dataChunks(); c++) {
            int role = layout.disk(s, layout.groupOf(c), layout.shardOf(c));
            where[role][i] = (int) (off + i * stripeData + (long) c * bs);
          }
        }
        // runs found and checked on this thread; the reads (and their checksums) of the disks
        // then go concurrently, one part per disk
        List<List<int[]>> runs = new ArrayList<>(roles.length);
        for (int r = 0; r < roles.length; r++) {
          int[] w = where[r];
          List<int[]> mine = new ArrayList<>();
          for (int i = 0; i < count; ) {
            if (w[i] < 0) {
              i++;
              continue;
            }
            int j = i;
            while (j < count && w[j] >= 0) {
              j++;
            }
            if (!usable(r, s0 + i) || !usable(r, s0 + j - 1)) {
              return false;
            }
            mine.add(new int[] {i, j});
            i = j;
          }
          runs.add(mine);
        }
        boolean[] ok = new boolean[roles.length];
        forEachDisk(count * stripeData, r -> {
          int[] w = where[r];
          for (int[] run : runs.get(r)) {
            byte[][] sl = new byte[run[1] - run[0]][];
            Arrays.fill(sl, dst);
            if (!roles[r].readBlocks(s0 + run[0], sl, Arrays.copyOfRange(w, run[0], run[1]))) {
              return;
            }
          }
          ok[r] = true;
        });
        return allTrue(ok);
      }
      for (int r = 0; r < roles.length; r++) {
        if (!usable(r, s0)) {
          return false;
        }
      }
      boolean[] ok = new boolean[roles.length];
      forEachDisk(count * stripeData, r -> ok[r] = roles[r].readBlocks(s0, count, bufs[r], 0));
      if (!allTrue(ok)) {
        return false;
      }
      for (int i = 0; i < count; i++) {
        long s = s0 + i;
        for (int c = 0; c < layout.dataChunks(); c++) {
          int g = layout.groupOf(c);
          int role = layout.disk(s, g, layout.shardOf(c));
          System.arraycopy(bufs[role], i * bs, dst, (int) (off + i * stripeData + (long) c * bs), bs);
        }
      }
      return true;
    } finally {
      for (int i = count - 1; i >= 0; i--) {
        lock(s0 + i).readLock().unlock();
      }
    }
  }

  /**
   * Writes whole stripes {@code s0 .. s0+count-1} of a healthy array: every group's parity is encoded
   * from {@code src} into per-disk buffers (the data is not copied), then each disk gets one
   * gathering request for its run of blocks.
   */
  private void writeBatch(long s0, int count, byte[] src, int off) throws IOException {
    int bs = layout.blockSize();
    long stripeData = layout.stripeData();
    byte[][] bufs = batchScratch.get();
    for (int i = 0; i < count; i++) {
      lock(s0 + i).writeLock().lock();
    }
    int begun = 0;
    try {
      for (int i = 0; i < count; i++) {
        bitmap.begin(s0 + i);
        begun++;
      }
      // data blocks are written and checksummed straight from src; only parity goes to scratch
      byte[][][] slices = new byte[roles.length][count][];
      int[][] offs = new int[roles.length][count];
      for (int i = 0; i < count; i++) {
        long s = s0 + i;
        for (int g = 0; g < layout.groups(); g++) {
          ErasureCodec codec = layout.codec(g);
          int k = codec.dataShards();
          int m = codec.parityShards();
          byte[][] data = new byte[k][];
          int[] dataOffs = new int[k];
          byte[][] parity = new byte[m][];
          for (int j = 0; j < k; j++) {
            int role = layout.disk(s, g, j);
            data[j] = src;
            dataOffs[j] = (int) (off + i * stripeData + (long) (g * k + j) * bs);
            slices[role][i] = src;
            offs[role][i] = dataOffs[j];
          }
          for (int p = 0; p < m; p++) {
            int role = layout.disk(s, g, k + p);
            parity[p] = bufs[role];
            slices[role][i] = bufs[role];
            offs[role][i] = i * bs;
          }
          codec.encode(data, dataOffs, parity, i * bs, bs);
        }
      }
      for (int r = 0; r < roles.length; r++) {
        for (int i = 0; i < count; i++) {
          if (slices[r][i] == null) { // a disk in no group (as before: its scratch block)
            slices[r][i] = bufs[r];
            offs[r][i] = i * bs;
          }
        }
      }
      // the disks are written concurrently (one part per disk); what a write did (a remap, an
      // error) is then handled here, disk by disk, as a write made on this thread would be
      boolean[] take = new boolean[roles.length];
      int[] remapsBefore = new int[roles.length];
      for (int r = 0; r < roles.length; r++) {
        take[r] = writable(r);
        remapsBefore[r] = take[r] ? roles[r].remappedBlocks() : 0;
      }
      IOException[] failed = new IOException[roles.length];
      forEachDisk(count * stripeData, r -> {
        if (take[r]) {
          try {
            roles[r].writeBlocks(s0, slices[r], offs[r]);
          } catch (IOException e) {
            failed[r] = e;
          }
        }
      });
      for (int r = 0; r < roles.length; r++) {
        if (take[r]) {
          int before = remapsBefore[r];
          IOException e = failed[r];
          writeToDisk(s0, r, d -> {
            if (e != null) {
              throw e;
            }
          }, before);
        }
      }
      for (int g = 0; g < layout.groups(); g++) {
        requireAlive(s0, g);
      }
    } finally {
      for (int i = 0; i < begun; i++) {
        bitmap.end(s0 + i);
      }
      for (int i = count - 1; i >= 0; i--) {
        lock(s0 + i).writeLock().unlock();
      }
    }
  }

  /** Smallest request whose disks are read or written concurrently (smaller ones stay on the caller thread). */
  private static final long FAN_OUT_MIN_BYTES = 128 * 1024;

  /** Runs {@code part} for every disk, concurrently for a request of at least {@link #FAN_OUT_MIN_BYTES}. */
  private void forEachDisk(long requestBytes, java.util.function.IntConsumer part) {
    if (requestBytes >= FAN_OUT_MIN_BYTES) {
      DiskFanOut.run(roles.length, part);
    } else {
      for (int r = 0; r < roles.length; r++) {
        part.accept(r);
      }
    }
  }

  private static boolean allTrue(boolean[] b) {
    for (boolean x : b) {
      if (!x) {
        return false;
      }
    }
    return true;
  }

  /** Why a shard could not be used. */
  private enum Fault {
    MISSING, IO, CHECKSUM
  }

  private Fault readShard(long s, int role, byte[] buf) {
    MemberDisk d = roles[role];
    if (!usable(role, s)) {
      return Fault.MISSING;
    }
    try {
      d.readBlock(s, buf, 0);
      return null;
    } catch (ChecksumMismatchException e) {
      LOG.warn("array {}: {}", arrayId, e.getMessage());
      return Fault.CHECKSUM;
    } catch (IOException e) {
      LOG.warn("array {}: read error on disk {} ({}) stripe {}: {}", arrayId, role, d.name(), s, e.toString());
      return Fault.IO;
    }
  }

  private boolean usable(int role, long s) {
    if (roles[role] == null) {
      return false;
    }
    String st = roleState[role];
    return Superblock.ACTIVE.equals(st) || (Superblock.REBUILDING.equals(st) && s < rebuildPos[role]);
  }

  private boolean writable(int role) {
    return roles[role] != null && !Superblock.FAILED.equals(roleState[role]);
  }

  /**
   * Rebuilds the {@code wanted} shards of group {@code g} that have a fault, reading other shards
   * (data first) until {@code k} are valid, and heals the faulty blocks on disks that are present.
   * Shards already read ({@code fault[j] == null && wanted[j]}) are reused.
   */
  private void recover(long s, int g, byte[][] shards, Fault[] fault, boolean[] wanted, boolean heal) {
    ErasureCodec codec = layout.codec(g);
    int k = codec.dataShards();
    int n = codec.totalShards();
    boolean[] present = new boolean[n];
    boolean[] read = new boolean[n];
    int have = 0;
    for (int j = 0; j < n; j++) {
      if (wanted[j] || fault[j] != null) {
        read[j] = true;
        if (fault[j] == null) {
          present[j] = true;
          have++;
        }
      }
    }
    for (int j = 0; j < n && have < k; j++) {
      if (read[j]) {
        continue;
      }
      fault[j] = readShard(s, layout.disk(s, g, j), shards[j]);
      read[j] = true;
      if (fault[j] == null) {
        present[j] = true;
        have++;
      }
    }
    boolean[] rebuild = new boolean[n];
    for (int j = 0; j < n; j++) {
      rebuild[j] = fault[j] != null && (wanted[j] || (heal && fault[j] != Fault.MISSING));
    }
    if (have < k) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "array " + arrayId + ": stripe " + s + " cannot be read: "
          + (n - have) + " of its " + n + " shards are unavailable and " + codec.name() + " tolerates " + codec.parityShards()
          + " (status: " + stateSummary() + ")");
    }
    codec.reconstruct(Arrays.copyOf(shards, n), present, rebuild, 0, layout.blockSize());
    if (heal) {
      for (int j = 0; j < n; j++) {
        if (rebuild[j] && fault[j] != Fault.MISSING) {
          healShard(s, layout.disk(s, g, j), shards[j], fault[j]);
        }
      }
    }
  }

  private void healShard(long s, int role, byte[] data, Fault why) {
    MemberDisk d = roles[role];
    try {
      if (why == Fault.IO) {
        d.relocate(s, data, 0, new IOException("read error"));
        event(RaidEvent.REMAP, role, "block " + s + " of disk " + role + " moved to a spare block after a read error", Map.of("block", s, "sparesLeft", d.sparesLeft()));
      } else {
        d.writeBlock(s, data, 0);
      }
    } catch (SpareExhaustedException e) {
      event(RaidEvent.SPARE_EXHAUSTED, role, e.getMessage(), Map.of("path", d.name()));
      failDisk(role, e);
    } catch (IOException e) {
      failDisk(role, e);
    }
  }

  // ---------------------------------------------------------------- writes

  /** Writes {@code len} bytes at array offset {@code pos}. Durable after {@link #flush()}. */
  public void write(long pos, byte[] src, int off, int len) {
    checkRange(pos, len, src, off);
    if (len == 0) {
      return;
    }
    barrier.readLock().lock();
    try {
      writeHook.beforeWrite(pos, len);
      writeRange(pos, src, off, len);
    } finally {
      barrier.readLock().unlock();
    }
    if (!journal.isEmpty() && journal.sizeBytes() > JOURNAL_FLUSH_BYTES) {
      flush();
    }
  }

  /** Runs {@code action} while no write is in progress (snapshots are taken this way). */
  public void quiesce(Runnable action) {
    barrier.writeLock().lock();
    try {
      action.run();
    } finally {
      barrier.writeLock().unlock();
    }
  }

  private void writeRange(long pos, byte[] src, int off, int len) {
    long stripeData = layout.stripeData();
    long end = pos + len;
    while (pos < end) {
      long s = pos / stripeData;
      long inStripe = pos - s * stripeData;
      if (inStripe == 0 && end - pos >= 2 * stripeData && allActive() && journal.isEmpty()) {
        int count = (int) Math.min(batch, (end - pos) / stripeData);
        try {
          writeBatch(s, count, src, off);
        } catch (IOException e) {
          throw DwException.unavailable("array " + arrayId + ": cannot update the write-intent bitmap " + bitmap.file() + ": " + e.getMessage(), e);
        }
        pos += count * stripeData;
        off += (int) (count * stripeData);
        continue;
      }
      if (end - pos > stripeData - inStripe && !allActive()) {
        int n = writeJournaledRun(pos, src, off, end);
        pos += n;
        off += n;
        continue;
      }
      int n = (int) Math.min(end - pos, stripeData - inStripe);
      ReentrantReadWriteLock.WriteLock lock = lock(s).writeLock();
      lock.lock();
      try {
        bitmap.begin(s);
        try {
          writeStripe(s, (int) inStripe, src, off, n);
        } finally {
          bitmap.end(s);
        }
      } catch (IOException e) {
        throw DwException.unavailable("array " + arrayId + ": cannot update the write-intent bitmap " + bitmap.file() + ": " + e.getMessage(), e);
      } finally {
        lock.unlock();
      }
      pos += n;
      off += n;
    }
  }

  /**
   * Shard writes held back until the journal records of a run of stripes are forced together (one
   * {@code fsync} for the run rather than one per stripe).
   */
  private static final class Deferred {
    final List<long[]> where = new ArrayList<>();
    final List<byte[]> data = new ArrayList<>();
    final List<long[]> groups = new ArrayList<>();
    int txns;
  }

  /**
   * Writes the stripes from {@code pos} on (at most {@code batch} of them, up to {@code end}) of an
   * array that is not whole: the updates of degraded groups are all journaled first, the journal
   * forced once, and then their shards written. Every prepared update is written even when a later
   * stripe of the run fails, so that the disks never lag behind what the journal says about a
   * stripe (a replay must never apply an update that later updates were not computed from).
   *
   * @return bytes of the range written
   */
  private int writeJournaledRun(long pos, byte[] src, int off, long end) {
    long stripeData = layout.stripeData();
    long s0 = pos / stripeData;
    long last = Math.min((end - 1) / stripeData, s0 + batch - 1);
    int count = (int) (last - s0 + 1);
    for (int i = 0; i < count; i++) {
      lock(s0 + i).writeLock().lock();
    }
    Deferred deferred = new Deferred();
    int begun = 0;
    int done = 0;
    try {
      for (int i = 0; i < count; i++) {
        bitmap.begin(s0 + i);
        begun++;
      }
      long p = pos;
      for (int i = 0; i < count; i++) {
        long s = s0 + i;
        long inStripe = p - s * stripeData;
        int n = (int) Math.min(end - p, stripeData - inStripe);
        writeStripe(s, (int) inStripe, src, off + (int) (p - pos), n, deferred);
        p += n;
      }
      done = (int) (p - pos);
    } catch (IOException e) {
      throw DwException.unavailable("array " + arrayId + ": cannot update the write-intent bitmap " + bitmap.file() + ": " + e.getMessage(), e);
    } finally {
      try {
        if (deferred.txns > 0) {
          journal.force();
          for (int i = 0; i < deferred.where.size(); i++) {
            long[] w = deferred.where.get(i);
            writeShard(w[0], (int) w[1], deferred.data.get(i));
          }
        }
      } finally {
        for (int i = 0; i < deferred.txns; i++) {
          journal.done();
        }
        for (int i = 0; i < begun; i++) {
          bitmap.end(s0 + i);
        }
        for (int i = count - 1; i >= 0; i--) {
          lock(s0 + i).writeLock().unlock();
        }
      }
    }
    for (long[] sg : deferred.groups) {
      requireAlive(sg[0], (int) sg[1]);
    }
    return done;
  }

  private void writeStripe(long s, int inStripe, byte[] src, int off, int len) {
    writeStripe(s, inStripe, src, off, len, null);
  }

  private void writeStripe(long s, int inStripe, byte[] src, int off, int len, Deferred deferred) {
    int bs = layout.blockSize();
    int firstChunk = inStripe / bs;
    int lastChunk = (inStripe + len - 1) / bs;
    for (int g = layout.groupOf(firstChunk); g <= layout.groupOf(lastChunk); g++) {
      ErasureCodec codec = layout.codec(g);
      int k = codec.dataShards();
      int[] from = new int[k];
      int[] to = new int[k];
      int touched = 0;
      boolean full = true;
      for (int j = 0; j < k; j++) {
        int c = g * k + j;
        from[j] = Math.max(inStripe, c * bs) - c * bs;
        to[j] = Math.min(inStripe + len, (c + 1) * bs) - c * bs;
        if (to[j] > from[j]) {
          touched++;
        } else {
          from[j] = to[j] = 0;
        }
        full &= from[j] == 0 && to[j] == bs;
      }
      int srcBase = off - inStripe;
      writeGroup(s, g, from, to, src, srcBase, touched, full, deferred);
    }
  }

  /**
   * Writes the ranges {@code [from[j], to[j])} of data shards of group {@code g}; {@code src[base +
   * c * bs + x]} is byte {@code x} of data chunk {@code c} of the stripe.
   */
  private void writeGroup(long s, int g, int[] from, int[] to, byte[] src, int base, int touched, boolean full, Deferred deferred) {
    ErasureCodec codec = layout.codec(g);
    int k = codec.dataShards();
    int m = codec.parityShards();
    int n = k + m;
    int bs = layout.blockSize();
    byte[][] shards = scratch.get();
    boolean healthy = true;
    for (int j = 0; j < n; j++) {
      healthy &= usable(layout.disk(s, g, j), s);
    }
    // the write hole: several shards of a group without one of its members change together
    boolean journaled = m > 0 && k > 1 && (!healthy || journal.covers(s));
    if (m > 0 && !full && healthy && !journaled && touched * 2 <= k && readModifyWrite(s, g, from, to, src, base)) {
      return;
    }
    Fault[] fault = new Fault[n];
    boolean[] need = new boolean[n];
    boolean missing = false;
    for (int j = 0; j < k; j++) {
      boolean whole = from[j] == 0 && to[j] == bs;
      boolean change = to[j] > from[j];
      if (!whole && (change || m > 0)) {
        need[j] = true;
        fault[j] = readShard(s, layout.disk(s, g, j), shards[j]);
        missing |= fault[j] != null;
      }
    }
    if (missing) {
      recover(s, g, shards, fault, need, false);
    }
    for (int j = 0; j < k; j++) {
      if (to[j] > from[j]) {
        int c = g * k + j;
        System.arraycopy(src, base + c * bs + from[j], shards[j], from[j], to[j] - from[j]);
      }
    }
    codec.encode(Arrays.copyOf(shards, n), 0, bs);
    if (journaled) {
      int[] which = new int[n];
      int count = 0;
      for (int j = 0; j < n; j++) {
        if ((j >= k || to[j] > from[j]) && writable(layout.disk(s, g, j))) {
          which[count++] = j;
        }
      }
      byte[][] contents = new byte[count][];
      for (int i = 0; i < count; i++) {
        contents[i] = shards[which[i]];
      }
      journaled = count > 0;
      if (journaled && deferred != null) {
        journal.log(s, g, Arrays.copyOf(which, count), contents, false);
        for (int i = 0; i < count; i++) {
          deferred.where.add(new long[] {s, layout.disk(s, g, which[i])});
          deferred.data.add(contents[i].clone());
        }
        deferred.groups.add(new long[] {s, g});
        deferred.txns++;
        return;
      }
      if (journaled) {
        journal.log(s, g, Arrays.copyOf(which, count), contents, true);
      }
    }
    try {
      for (int j = 0; j < n; j++) {
        if (j >= k || to[j] > from[j]) {
          writeShard(s, layout.disk(s, g, j), shards[j]);
        }
      }
    } finally {
      if (journaled) {
        journal.done();
      }
    }
    requireAlive(s, g);
  }

  /** Small partial write on a healthy group; false when a read failed (the caller re-encodes). */
  private boolean readModifyWrite(long s, int g, int[] from, int[] to, byte[] src, int base) {
    ErasureCodec codec = layout.codec(g);
    int k = codec.dataShards();
    int m = codec.parityShards();
    int bs = layout.blockSize();
    byte[][] shards = scratch.get();
    byte[][] parity = new byte[m][];
    for (int p = 0; p < m; p++) {
      parity[p] = shards[k + p];
      if (readShard(s, layout.disk(s, g, k + p), parity[p]) != null) {
        return false;
      }
    }
    List<Integer> changed = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      if (to[j] > from[j]) {
        if (readShard(s, layout.disk(s, g, j), shards[j]) != null) {
          return false;
        }
        changed.add(j);
      }
    }
    byte[][] fresh = scratch.get();
    int spare = k + m;
    for (int j : changed) {
      byte[] updated = fresh[spare];
      System.arraycopy(shards[j], 0, updated, 0, bs);
      int c = g * k + j;
      System.arraycopy(src, base + c * bs + from[j], updated, from[j], to[j] - from[j]);
      codec.updateParity(j, shards[j], updated, from[j], parity, from[j], to[j] - from[j]);
      System.arraycopy(updated, from[j], shards[j], from[j], to[j] - from[j]);
    }
    for (int j : changed) {
      writeShard(s, layout.disk(s, g, j), shards[j]);
    }
    for (int p = 0; p < m; p++) {
      writeShard(s, layout.disk(s, g, k + p), parity[p]);
    }
    requireAlive(s, g);
    return true;
  }

  /** After a write: fewer than k working disks in the group means the stripe is lost. */
  private void requireAlive(long s, int g) {
    ErasureCodec codec = layout.codec(g);
    int alive = 0;
    for (int j = 0; j < codec.totalShards(); j++) {
      alive += writable(layout.disk(s, g, j)) ? 1 : 0;
    }
    if (alive < codec.dataShards()) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "array " + arrayId + ": stripe " + s + " cannot be written: only "
          + alive + " disks of its group are working and " + codec.dataShards() + " are needed (status: " + stateSummary() + ")");
    }
  }

  private boolean writeShard(long s, int role, byte[] data) {
    return writeToDisk(s, role, d -> d.writeBlock(s, data, 0));
  }

  /** A write to one member disk. */
  @FunctionalInterface
  private interface DiskWrite {
    void run(MemberDisk d) throws IOException;
  }

  /**
   * Runs a write on disk {@code role} if it takes writes: a remap it caused becomes an event, a
   * disk out of spares or failing outright is failed. False when nothing was written.
   */
  private boolean writeToDisk(long s, int role, DiskWrite w) {
    if (!writable(role)) {
      return false;
    }
    return writeToDisk(s, role, w, roles[role].remappedBlocks());
  }

  /** As {@link #writeToDisk(long, int, DiskWrite)}, the disk having had {@code before} remapped blocks before the write. */
  private boolean writeToDisk(long s, int role, DiskWrite w, int before) {
    MemberDisk d = roles[role];
    try {
      w.run(d);
      if (d.remappedBlocks() != before) {
        event(RaidEvent.REMAP, role, "blocks of disk " + role + " from " + s + " moved to spare blocks after write errors", Map.of("block", s, "sparesLeft", d.sparesLeft()));
      }
      return true;
    } catch (SpareExhaustedException e) {
      event(RaidEvent.SPARE_EXHAUSTED, role, e.getMessage(), Map.of("path", d.name()));
      failDisk(role, e);
    } catch (IOException e) {
      failDisk(role, e);
    }
    return false;
  }

  /** Makes every acknowledged write durable, then clears the write-intent bits it covers. */
  public void flush() {
    long epoch = bitmap.startFlush();
    WriteJournal.Mark mark = journal.mark();
    for (int r = 0; r < roles.length; r++) {
      if (writable(r)) {
        try {
          roles[r].flush();
        } catch (IOException e) {
          failDisk(r, e);
        }
      }
    }
    try {
      bitmap.clearUpTo(epoch);
    } catch (IOException e) {
      throw DwException.unavailable("array " + arrayId + ": cannot update the write-intent bitmap: " + e.getMessage(), e);
    }
    journal.clearIfQuiet(mark);
  }

  // ---------------------------------------------------------------- membership

  /** Marks disk {@code role} failed (by the operator or after an unrecoverable error). */
  public synchronized void failDisk(int role, Throwable cause) {
    checkRole(role);
    if (Superblock.FAILED.equals(roleState[role])) {
      return;
    }
    roleState[role] = Superblock.FAILED;
    String why = cause == null ? "failed by the operator" : io.datawarehouse.sdk.Health.describe(cause);
    LOG.warn("array {}: disk {} ({}) failed: {}", arrayId, role, roles[role] == null ? "missing" : roles[role].name(), why);
    event(RaidEvent.DISK_FAILED, role, "disk " + role + " failed: " + why, roles[role] == null ? Map.of() : Map.of("path", roles[role].name()));
    writeSuperblocks(Superblock.ACTIVE);
    activateSpare(role);
  }

  /** Puts a hot spare in the place of failed disk {@code role}, if there is one; it must then be rebuilt. */
  private synchronized boolean activateSpare(int role) {
    if (spares.isEmpty()) {
      return false;
    }
    MemberDisk spare = spares.remove(0);
    MemberDisk old = roles[role];
    roles[role] = spare;
    roleState[role] = Superblock.REBUILDING;
    rebuildPos[role] = 0;
    deleteCheckpoint(role);
    closeQuietly(old);
    writeSuperblocks(Superblock.ACTIVE);
    LOG.warn("array {}: hot spare {} takes the place of disk {}; it needs a rebuild", arrayId, spare.name(), role);
    event(RaidEvent.SPARE_ACTIVATED, role, "hot spare " + spare.name() + " replaces disk " + role, Map.of("path", spare.name()));
    return true;
  }

  /**
   * Replaces disk {@code role} with a new, blank disk file (at the old path when it is free, else a
   * new path beside it); the new disk must then be rebuilt.
   */
  public synchronized void replace(int role) {
    checkRole(role);
    if (Superblock.ACTIVE.equals(roleState[role])) {
      failDisk(role, null);
      if (!Superblock.FAILED.equals(roleState[role])) {
        return; // a hot spare took the place
      }
    }
    MemberDisk old = roles[role];
    Path target = null;
    if (old != null) {
      target = pathOf(old);
      closeQuietly(old);
      roles[role] = null;
      try {
        Files.deleteIfExists(target);
      } catch (IOException e) {
        throw DwException.unavailable("cannot remove the old disk " + target + ": " + e.getMessage(), e);
      }
    } else {
      String listed = null;
      for (String d : meta.disks()) {
        if (d.equals("disk-" + role + ".img") || d.endsWith("/disk-" + role + ".img")) {
          listed = d;
        }
      }
      target = listed != null && !Files.exists(ArrayMeta.resolve(dir, listed)) ? ArrayMeta.resolve(dir, listed) : null;
    }
    if (target == null || Files.exists(target)) {
      int i = 0;
      do {
        target = dir.resolve("disk-" + role + "-r" + (++i) + ".img");
      } while (Files.exists(target));
    }
    String diskId = UUID.randomUUID().toString();
    try {
      BlockDevice dev = devices.create(target, template.diskSize());
      MemberDisk d = MemberDisk.format(dev, diskLayout, template.with(diskId, role, generation, Superblock.ACTIVE, members(role, diskId)));
      roles[role] = d;
    } catch (IOException e) {
      throw DwException.unavailable("cannot create the replacement disk " + target + ": " + e.getMessage(), e);
    }
    String rel = ArrayMeta.relativize(dir, target);
    if (!meta.disks().contains(rel)) {
      List<String> disks = new ArrayList<>(meta.disks());
      disks.add(rel);
      meta = new ArrayMeta(arrayId, disks);
      meta.write(dir);
    }
    roleState[role] = Superblock.REBUILDING;
    rebuildPos[role] = 0;
    deleteCheckpoint(role);
    writeSuperblocks(Superblock.ACTIVE);
    LOG.info("array {}: disk {} replaced by {}; rebuild it with dw raid rebuild", arrayId, role, target);
  }

  private List<Superblock.Member> members(int newRole, String newDiskId) {
    List<Superblock.Member> out = new ArrayList<>();
    for (int r = 0; r < roles.length; r++) {
      String id = r == newRole ? newDiskId : roles[r] == null ? previousDiskId(r) : roles[r].superblock().diskId();
      out.add(new Superblock.Member(r, id, roleState[r]));
    }
    return out;
  }

  private String previousDiskId(int role) {
    for (Superblock.Member m : template.members()) {
      if (m.role() == role) {
        return m.diskId();
      }
    }
    return "none";
  }

  private synchronized void writeSuperblocks(String state) {
    generation++;
    List<Superblock.Member> members = new ArrayList<>();
    for (int r = 0; r < roles.length; r++) {
      members.add(new Superblock.Member(r, roles[r] == null ? previousDiskId(r) : roles[r].superblock().diskId(), roleState[r]));
    }
    for (int r = 0; r < roles.length; r++) {
      if (roles[r] != null && !Superblock.FAILED.equals(roleState[r])) {
        MemberDisk d = roles[r];
        try {
          d.writeSuperblock(template.with(d.superblock().diskId(), r, generation, state, members));
        } catch (IOException e) {
          LOG.warn("array {}: cannot write the superblock of disk {}: {}", arrayId, r, e.getMessage());
        }
      }
    }
    for (MemberDisk d : spares) {
      try {
        d.writeSuperblock(template.with(d.superblock().diskId(), -1, generation, state, members));
      } catch (IOException e) {
        LOG.warn("array {}: cannot write the superblock of spare {}: {}", arrayId, d.name(), e.getMessage());
      }
    }
  }

  // ---------------------------------------------------------------- rebuild

  /** Roles that are being rebuilt. */
  public synchronized List<Integer> rebuilding() {
    List<Integer> out = new ArrayList<>();
    for (int r = 0; r < roles.length; r++) {
      if (Superblock.REBUILDING.equals(roleState[r]) && roles[r] != null) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * Rebuilds every disk that needs it, from its checkpoint on.
   *
   * @param bytesPerSecond rate limit of data written per disk (0: unlimited)
   * @return the roles rebuilt
   */
  public List<Integer> rebuild(Progress.Listener progress, long bytesPerSecond) {
    List<Integer> todo = rebuilding();
    for (int r : todo) {
      rebuildRole(r, progress, bytesPerSecond);
    }
    return todo;
  }

  private void rebuildRole(int role, Progress.Listener progress, long bytesPerSecond) {
    long stripes = layout.stripes();
    long start = rebuildPos[role];
    int bs = layout.blockSize();
    LOG.info("array {}: rebuilding disk {} from stripe {} of {}", arrayId, role, start, stripes);
    event(RaidEvent.REBUILD_STARTED, role, "rebuild of disk " + role + " started at stripe " + start, Map.of("from", start, "stripes", stripes));
    long t0 = time.nanoTime();
    java.time.Instant started = time.now();
    long bytes = 0;
    for (long s = start; s < stripes; s++) {
      if (cancel) {
        writeCheckpoint(role, s);
        throw DwException.of(ErrorCode.CANCELLED, "rebuild of disk " + role + " interrupted at stripe " + s + "; it resumes from there");
      }
      ReentrantReadWriteLock.WriteLock lock = lock(s).writeLock();
      lock.lock();
      try {
        if (!Superblock.REBUILDING.equals(roleState[role])) {
          throw DwException.of(ErrorCode.FAILED_PRECONDITION, "disk " + role + " failed during its rebuild at stripe " + s);
        }
        int[] gj = layout.shardOnDisk(s, role);
        ErasureCodec codec = layout.codec(gj[0]);
        byte[][] shards = scratch.get();
        Fault[] fault = new Fault[codec.totalShards()];
        boolean[] wanted = new boolean[codec.totalShards()];
        wanted[gj[1]] = true;
        fault[gj[1]] = Fault.MISSING;
        recover(s, gj[0], shards, fault, wanted, false);
        roles[role].writeBlock(s, shards[gj[1]], 0);
        rebuildPos[role] = s + 1;
      } catch (IOException e) {
        failDisk(role, e);
        throw DwException.unavailable("rebuild of disk " + role + " stopped at stripe " + s + ": the new disk failed", e);
      } finally {
        lock.unlock();
      }
      bytes += bs;
      if ((s + 1) % CHECKPOINT_EVERY == 0 || s + 1 == stripes) {
        writeCheckpoint(role, s + 1);
        progress.onProgress(new Progress("rebuild disk " + role, s + 1, stripes, "stripes", started, s + 1 == stripes, null));
      }
      throttle(bytes, t0, bytesPerSecond);
    }
    synchronized (this) {
      roleState[role] = Superblock.ACTIVE;
      writeSuperblocks(Superblock.ACTIVE);
    }
    deleteCheckpoint(role);
    flush(); // durable, and the degraded-write journal is no longer needed
    double secs = Math.max(1e-9, (time.nanoTime() - t0) / 1e9);
    LOG.info("array {}: disk {} rebuilt ({} MB/s)", arrayId, role, String.format(java.util.Locale.ROOT, "%.1f", bytes / secs / 1e6));
    event(RaidEvent.REBUILD_FINISHED, role, "rebuild of disk " + role + " finished", Map.of("bytes", bytes, "seconds", secs));
  }

  private void throttle(long bytes, long t0, long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      return;
    }
    long dueNanos = (long) (bytes * 1e9 / bytesPerSecond);
    long ahead = dueNanos - (time.nanoTime() - t0);
    if (ahead > 1_000_000) {
      try {
        time.sleep(Duration.ofNanos(ahead));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw DwException.of(ErrorCode.CANCELLED, "rebuild interrupted", e);
      }
    }
  }

  private Path checkpointFile(int role) {
    return dir.resolve("rebuild-" + role + ".ckpt");
  }

  private record Checkpoint(String diskId, long stripe) {}

  private void writeCheckpoint(int role, long stripe) {
    FramedFile.write(checkpointFile(role), CHECKPOINT_MAGIC, 1, Json.toBytes(new Checkpoint(roles[role].superblock().diskId(), stripe)));
  }

  private long readCheckpoint(int role, String diskId) {
    Path f = checkpointFile(role);
    if (!Files.exists(f)) {
      return 0;
    }
    Checkpoint c = Json.fromBytes(FramedFile.read(f, CHECKPOINT_MAGIC, 1, 1).body(), Checkpoint.class, f.toString());
    return c.diskId().equals(diskId) ? Math.min(c.stripe(), layout.stripes()) : 0;
  }

  private void deleteCheckpoint(int role) {
    try {
      Files.deleteIfExists(checkpointFile(role));
    } catch (IOException e) {
      throw DwException.unavailable("cannot delete " + checkpointFile(role) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Asks running rebuilds to stop at the next stripe, keeping their checkpoint (not by interrupt:
   * an interrupt would close the disks' channels).
   */
  public void cancelRebuilds() {
    cancel = true;
  }

  /** Rebuild progress of {@code role}: stripes done. */
  public long rebuildPosition(int role) {
    return Superblock.ACTIVE.equals(roleState[role]) ? layout.stripes() : rebuildPos[role];
  }

  // ---------------------------------------------------------------- scrub and resync

  /** Verifies every stripe's checksums and parity; with {@code repair}, fixes what it finds. */
  public ScrubReport scrub(boolean repair, Progress.Listener progress) {
    long stripes = layout.stripes();
    long[] readErr = new long[roles.length];
    long[] crcErr = new long[roles.length];
    long[] parityErr = new long[roles.length];
    long[] totals = new long[3];
    java.time.Instant started = time.now();
    for (long s = 0; s < stripes; s++) {
      checkStripe(s, repair, readErr, crcErr, parityErr, totals);
      if ((s + 1) % CHECKPOINT_EVERY == 0 || s + 1 == stripes) {
        progress.onProgress(new Progress(repair ? "scrub --repair" : "scrub", s + 1, stripes, "stripes", started, s + 1 == stripes, null));
      }
    }
    List<ScrubReport.Disk> disks = new ArrayList<>();
    for (int r = 0; r < roles.length; r++) {
      disks.add(new ScrubReport.Disk(r, readErr[r], crcErr[r], parityErr[r]));
    }
    ScrubReport report = new ScrubReport(stripes, repair, disks, totals[0], totals[1], totals[2]);
    if (!report.clean()) {
      event(RaidEvent.SCRUB_MISMATCH, -1, "scrub found " + totals[0] + " stripes with parity mismatches and "
          + Arrays.stream(crcErr).sum() + " checksum errors" + (repair ? ", repaired " + totals[2] + " blocks" : ""), Map.of("report", Json.mapper().convertValue(report, Map.class)));
    }
    return report;
  }

  private void checkStripe(long s, boolean repair, long[] readErr, long[] crcErr, long[] parityErr, long[] totals) {
    ReentrantReadWriteLock.WriteLock lock = lock(s).writeLock();
    lock.lock();
    try {
      for (int g = 0; g < layout.groups(); g++) {
        ErasureCodec codec = layout.codec(g);
        int k = codec.dataShards();
        int n = codec.totalShards();
        byte[][] shards = scratch.get();
        Fault[] fault = new Fault[n];
        boolean[] present = new boolean[n];
        boolean[] bad = new boolean[n];
        int have = 0;
        int badCount = 0;
        for (int j = 0; j < n; j++) {
          int role = layout.disk(s, g, j);
          fault[j] = readShard(s, role, shards[j]);
          present[j] = fault[j] == null;
          have += present[j] ? 1 : 0;
          if (fault[j] == Fault.IO) {
            readErr[role]++;
          } else if (fault[j] == Fault.CHECKSUM) {
            crcErr[role]++;
          }
          bad[j] = fault[j] == Fault.IO || fault[j] == Fault.CHECKSUM;
          badCount += bad[j] ? 1 : 0;
        }
        if (have < k) {
          totals[1]++;
          continue;
        }
        if (badCount > 0 && repair) {
          codec.reconstruct(Arrays.copyOf(shards, n), present, bad, 0, layout.blockSize());
          for (int j = 0; j < n; j++) {
            if (bad[j]) {
              healShard(s, layout.disk(s, g, j), shards[j], fault[j]);
              present[j] = true;
              totals[2]++;
            }
          }
        }
        boolean all = true;
        for (boolean p : present) {
          all &= p;
        }
        if (!all || codec.parityShards() == 0) {
          continue;
        }
        byte[][] expected = new byte[n][];
        byte[][] tmp = scratch.get();
        for (int j = 0; j < n; j++) {
          expected[j] = j < k ? shards[j] : tmp[n + j - k];
        }
        codec.encode(expected, 0, layout.blockSize());
        boolean mismatch = false;
        for (int j = k; j < n; j++) {
          if (!Arrays.equals(expected[j], 0, layout.blockSize(), shards[j], 0, layout.blockSize())) {
            mismatch = true;
            parityErr[layout.disk(s, g, j)]++;
            if (repair && writeShard(s, layout.disk(s, g, j), expected[j])) {
              totals[2]++;
            }
          }
        }
        totals[0] += mismatch ? 1 : 0;
      }
    } finally {
      lock.unlock();
    }
  }

  private void resyncDirty() {
    List<Long> dirty = bitmap.dirtyStripes(layout.stripes());
    if (dirty.isEmpty()) {
      return;
    }
    LOG.warn("array {}: not closed cleanly; resyncing {} stripes marked in the write-intent bitmap", arrayId, dirty.size());
    long[] a = new long[roles.length];
    long[] b = new long[roles.length];
    long[] c = new long[roles.length];
    long[] totals = new long[3];
    for (long s : dirty) {
      checkStripe(s, true, a, b, c, totals);
    }
    event(RaidEvent.RESYNC, -1, "resynced " + dirty.size() + " stripes after an unclean shutdown, repaired " + totals[2] + " blocks", Map.of("stripes", dirty.size(), "repaired", totals[2]));
    flush();
  }

  // ---------------------------------------------------------------- status

  public synchronized ArrayStatus status() {
    List<ArrayStatus.Member> members = new ArrayList<>();
    for (int r = 0; r < roles.length; r++) {
      MemberDisk d = roles[r];
      String st = d == null ? "missing" : roleState[r];
      double progress = Superblock.ACTIVE.equals(roleState[r]) ? 1.0 : (double) rebuildPos[r] / layout.stripes();
      members.add(new ArrayStatus.Member(r, d == null ? null : d.name(), st, progress,
          d == null ? 0 : d.remappedBlocks(), d == null ? 0 : d.sparesLeft(), d == null ? Map.of() : d.counters().toMap()));
    }
    ErasureCodec c = layout.codec(0);
    return new ArrayStatus(arrayId, layout.level().cliName(), stateSummary(), layout.disks(), layout.dataChunks(), c.parityShards(),
        layout.blockSize(), layout.capacity(), generation, members, spares.stream().map(MemberDisk::name).toList());
  }

  /** optimal, degraded, rebuilding or failed. */
  public synchronized String stateSummary() {
    boolean rebuilding = false;
    boolean degraded = false;
    for (int g = 0; g < layout.groups(); g++) {
      ErasureCodec c = layout.codec(g);
      int lost = 0;
      for (int j = 0; j < c.totalShards(); j++) {
        int role = layout.disk(0, g, j);
        String st = roleState[role];
        if (!Superblock.ACTIVE.equals(st)) {
          lost++;
        }
        rebuilding |= Superblock.REBUILDING.equals(st);
      }
      if (lost > c.parityShards()) {
        return "failed";
      }
      degraded |= lost > 0;
    }
    return rebuilding ? "rebuilding" : degraded ? "degraded" : "optimal";
  }

  /** The member disks' counters, by role (empty map for a missing disk). */
  public synchronized Map<Integer, MemberDisk> members() {
    Map<Integer, MemberDisk> m = new LinkedHashMap<>();
    for (int r = 0; r < roles.length; r++) {
      m.put(r, roles[r]);
    }
    return m;
  }

  // ---------------------------------------------------------------- close

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    flush();
    saveCounters();
    // two rounds: after the first every member is known to hold every write; a crash in the second
    // leaves members at the newest generation (clean) or one behind (closing), both trusted
    writeSuperblocks(Superblock.CLOSING);
    writeSuperblocks(Superblock.CLEAN);
    for (MemberDisk d : roles) {
      closeQuietly(d);
    }
    for (MemberDisk d : spares) {
      closeQuietly(d);
    }
    try {
      bitmap.close();
    } catch (IOException e) {
      LOG.warn("array {}: closing the bitmap: {}", arrayId, e.getMessage());
    }
    closeQuietly(journal);
    closeQuietly(lock == null ? null : lock.channel());
  }

  /**
   * Drops the array without flushing or writing superblocks, as if the process had died (tests of
   * crash recovery in one JVM).
   */
  public synchronized void abandon() {
    closed = true;
    for (MemberDisk d : roles) {
      closeQuietly(d);
    }
    for (MemberDisk d : spares) {
      closeQuietly(d);
    }
    closeQuietly(bitmap);
    closeQuietly(journal);
    closeQuietly(lock == null ? null : lock.channel());
  }

  // ---------------------------------------------------------------- helpers

  private ReentrantReadWriteLock lock(long stripe) {
    return locks[(int) (stripe % LOCKS)];
  }

  private void checkRange(long pos, int len, byte[] buf, int off) {
    if (pos < 0 || len < 0 || pos > capacity() - len) {
      throw DwException.invalidArgument("range [" + pos + ", " + (pos + len) + ") is outside the array (capacity " + capacity() + " bytes)");
    }
    if (off < 0 || off > buf.length - len) {
      throw new IllegalArgumentException("buffer of " + buf.length + " bytes cannot hold " + len + " bytes at " + off);
    }
  }

  private void checkRole(int role) {
    if (role < 0 || role >= roles.length) {
      throw DwException.invalidArgument("disk " + role + " does not exist: the array has disks 0.." + (roles.length - 1));
    }
  }

  private void event(String type, int disk, String message, Map<String, Object> details) {
    RaidEvent e = new RaidEvent(type, arrayId, disk, message, time.now(), details);
    if (assembling) {
      assemblyEvents.add(e);
    }
    for (Consumer<RaidEvent> l : listeners) {
      deliver(l, e);
    }
  }

  private void deliver(Consumer<RaidEvent> l, RaidEvent e) {
    try {
      l.accept(e);
    } catch (RuntimeException ex) {
      LOG.warn("array {}: an event listener failed: {}", arrayId, ex.toString());
    }
  }

  private Path pathOf(MemberDisk d) {
    for (String listed : meta.disks()) {
      Path p = ArrayMeta.resolve(dir, listed);
      if (p.toString().equals(d.name())) {
        return p;
      }
    }
    return Path.of(d.name());
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("close failed: {}", e.toString());
    }
  }
}
