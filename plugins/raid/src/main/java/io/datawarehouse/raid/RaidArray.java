package io.datawarehouse.raid;

import io.datawarehouse.raid.internal.array.ArrayEngine;
import io.datawarehouse.raid.internal.dedup.DedupStore;
import io.datawarehouse.raid.internal.snapshot.SnapshotManager;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A RAID array over member disks, kept in one directory: level 0, 1, 5, 6, 10 or Reed-Solomon
 * k+m, with per-block checksums, a write-intent bitmap, hot spares, rebuild, scrub and bad-block
 * remapping. Start with {@link #create} or {@link #open}; read and write at byte offsets of the
 * array's address space ({@link #capacity()} bytes); {@link #flush()} makes writes durable.
 *
 * <p>Errors: a range outside the array is INVALID_ARGUMENT; data that cannot be recovered (more
 * disks lost than the level tolerates) is FAILED_PRECONDITION with the array's state, never wrong
 * bytes; a metadata file that fails its checksum is INTEGRITY naming the file.
 *
 * <p>Thread-safe: reads and writes of different stripes run in parallel; rebuild and scrub lock
 * one stripe at a time, so the array stays usable while they run.
 */
public final class RaidArray implements AutoCloseable {
  private final ArrayEngine engine;
  private final SnapshotManager snapshots;

  private RaidArray(ArrayEngine engine) {
    this.engine = engine;
    SnapshotManager sm;
    try {
      sm = SnapshotManager.open(engine);
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    this.snapshots = sm;
  }

  /** Creates a new array in {@code dir} (disk files inside it unless the spec gives paths). */
  public static RaidArray create(Path dir, ArraySpec spec) {
    return create(dir, spec, Time.SYSTEM, BlockDeviceFactory.FILES);
  }

  /** Creates a new array with a given time source and device factory. */
  public static RaidArray create(Path dir, ArraySpec spec, Time time, BlockDeviceFactory devices) {
    return new RaidArray(ArrayEngine.create(dir, spec, time, devices));
  }

  /**
   * Assembles the array in {@code dir} from its disks' superblocks: missing disks make it degraded,
   * stale disks are resynced, hot spares replace failed disks, an unclean shutdown is repaired.
   */
  public static RaidArray open(Path dir) {
    return open(dir, Time.SYSTEM, BlockDeviceFactory.FILES);
  }

  public static RaidArray open(Path dir, Time time, BlockDeviceFactory devices) {
    return new RaidArray(ArrayEngine.open(dir, time, devices));
  }

  /** Usable bytes. */
  public long capacity() {
    return engine.capacity();
  }

  /** Chunk size in bytes. */
  public int blockSize() {
    return engine.blockSize();
  }

  public String id() {
    return engine.arrayId();
  }

  public Path dir() {
    return engine.dir();
  }

  /** Reads {@code len} bytes at {@code pos} into {@code dst[off..]}. */
  public void read(long pos, byte[] dst, int off, int len) {
    engine.read(pos, dst, off, len);
  }

  /** Reads {@code len} bytes at {@code pos}. */
  public byte[] read(long pos, int len) {
    byte[] b = new byte[len];
    engine.read(pos, b, 0, len);
    return b;
  }

  /** Writes {@code src[off..off+len)} at {@code pos}; durable after {@link #flush()}. */
  public void write(long pos, byte[] src, int off, int len) {
    engine.write(pos, src, off, len);
  }

  public void write(long pos, byte[] src) {
    engine.write(pos, src, 0, src.length);
  }

  /** Makes every write so far durable. */
  public void flush() {
    engine.flush();
  }

  public ArrayStatus status() {
    return engine.status();
  }

  /** Marks disk {@code disk} failed; a hot spare, if any, takes its place and needs a rebuild. */
  public void fail(int disk) {
    engine.failDisk(disk, null);
  }

  /** Replaces disk {@code disk} with a new blank disk, to be rebuilt. */
  public void replace(int disk) {
    engine.replace(disk);
  }

  /** Disks waiting for or in a rebuild. */
  public List<Integer> needsRebuild() {
    return engine.rebuilding();
  }

  /**
   * Rebuilds every disk that needs it, resuming from the last checkpoint.
   *
   * @param bytesPerSecond per-disk rate limit, 0 for none
   * @return the disks rebuilt
   */
  public List<Integer> rebuild(Progress.Listener progress, long bytesPerSecond) {
    return engine.rebuild(progress, bytesPerSecond);
  }

  /** Stops a running {@link #rebuild} at its next stripe; it resumes from there next time. */
  public void cancelRebuild() {
    engine.cancelRebuilds();
  }

  /** Reads every stripe, checks checksums and parity, and with {@code repair} fixes them. */
  public ScrubReport scrub(boolean repair, Progress.Listener progress) {
    return engine.scrub(repair, progress);
  }

  /**
   * Receives events (disk failed, rebuild, scrub mismatch, remap, spare exhausted): first those of
   * the assembly that opened the array (stale or missing disks, spares, resync), then live ones.
   */
  public void addListener(Consumer<RaidEvent> listener) {
    engine.addListener(listener);
  }

  /** Takes a point-in-time snapshot. */
  public SnapshotInfo snapshotCreate(String name) {
    return toInfo(snapshots.create(name));
  }

  /** The snapshots, oldest first. */
  public List<SnapshotInfo> snapshots() {
    return snapshots.list().stream().map(RaidArray::toInfo).toList();
  }

  /** Reads the array as it was when snapshot {@code name} was taken. */
  public byte[] snapshotRead(String name, long pos, int len) {
    return snapshots.read(name, pos, len);
  }

  /** Writes the snapshot's old blocks back; returns how many blocks were restored. */
  public long snapshotRestore(String name) {
    return snapshots.restore(name);
  }

  /** Deletes a snapshot; its blocks are freed by {@link #dedupGc()}. */
  public void snapshotDelete(String name) {
    snapshots.delete(name);
  }

  public DedupStats dedupStats() {
    DedupStore.Stats s = snapshots.store().stats();
    return new DedupStats(s.blocks(), s.storedBytes(), s.referencedBytes(), s.ratio(), s.unreferencedBlocks(), s.collisions());
  }

  /** Frees blocks no snapshot references; returns bytes reclaimed. */
  public long dedupGc() {
    return snapshots.gc();
  }

  private static SnapshotInfo toInfo(SnapshotManager.Info i) {
    return new SnapshotInfo(i.name(), i.created(), i.savedBlocks(), i.savedBytes());
  }

  /** The engine, for the plugin's own layers (snapshots, monitoring). */
  public ArrayEngine engine() {
    return engine;
  }

  /** Flushes and closes; the superblocks record a clean shutdown. */
  @Override
  public void close() {
    try {
      snapshots.close();
    } catch (IOException e) {
      throw DwException.unavailable("closing the snapshots of " + engine.dir() + ": " + e.getMessage(), e);
    } finally {
      engine.close();
    }
  }
}
