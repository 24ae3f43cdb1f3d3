package io.datawarehouse.raid.internal.snapshot;

import io.datawarehouse.raid.internal.array.ArrayEngine;
import io.datawarehouse.raid.internal.dedup.DedupStore;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Point-in-time snapshots by copy-on-write: after a snapshot is taken, the first write to each
 * block saves the block's old content, and the snapshot is "the saved blocks, else the array as it
 * is now". Saved blocks go to the {@link DedupStore} (a block saved by several snapshots, or equal
 * to another block, is stored once).
 *
 * <p>On disk, {@code <array>/snapshots/<name>/}: {@code meta.dat} (framed JSON: name, time,
 * geometry) and {@code cow.log}, an append-only log of {@code [magic][block u64][sha256][variant
 * u32][crc32c]} records: block number and where its old content is. Order of a copy-on-write: the
 * old block is appended to the store and forced, then the log record is appended and forced, and
 * only then may the array overwrite the block. A torn last record is cut off at open. Reference
 * counts of the store are recounted from the logs at open.
 *
 * <p>Thread-safe: copy-on-write is serialized; creation waits for writes in progress ({@link
 * ArrayEngine#quiesce}).
 */
public final class SnapshotManager implements AutoCloseable {
  private static final int META_MAGIC = FramedFile.magic("DWSN");
  private static final int COW_MAGIC = FramedFile.magic("DWCW");
  private static final int RECORD = 4 + 8 + 32 + 4 + 4;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /**
   * A snapshot's metadata.
   *
   * @param name the snapshot's name
   * @param created when it was taken
   * @param capacity the array's capacity then
   * @param blockSize copy-on-write granularity
   * @param arrayId the array it was taken of
   */
  public record Meta(String name, Instant created, long capacity, int blockSize, String arrayId) {}

  /**
   * What {@code dw raid snapshot list} shows.
   *
   * @param name the name
   * @param created when it was taken
   * @param savedBlocks blocks overwritten since and kept for the snapshot
   * @param savedBytes their bytes
   */
  public record Info(String name, Instant created, long savedBlocks, long savedBytes) {}

  private static final class Snap {
    final Meta meta;
    final Map<Long, DedupStore.Ref> saved = new HashMap<>();
    final FileChannel cow;
    long end;

    Snap(Meta meta, FileChannel cow) {
      this.meta = meta;
      this.cow = cow;
    }
  }

  private final ArrayEngine engine;
  private final Path root;
  private final DedupStore store;
  private final Map<String, Snap> snaps = new LinkedHashMap<>();

  private SnapshotManager(ArrayEngine engine, Path root, DedupStore store) {
    this.engine = engine;
    this.root = root;
    this.store = store;
  }

  /** Opens the snapshots of {@code engine} and installs the copy-on-write hook. */
  public static SnapshotManager open(ArrayEngine engine) {
    Path root = engine.dir().resolve("snapshots");
    SnapshotManager m = new SnapshotManager(engine, root, DedupStore.open(engine.dir().resolve("dedup")));
    try {
      Files.createDirectories(root);
      List<Snap> loaded = new ArrayList<>();
      try (Stream<Path> dirs = Files.list(root)) {
        for (Path d : (Iterable<Path>) dirs::iterator) {
          if (!Files.exists(d.resolve("meta.dat"))) {
            deleteTree(d); // a deletion or creation that a crash interrupted
            continue;
          }
          loaded.add(m.load(d));
        }
      }
      loaded.sort((a, b) -> a.meta.created().compareTo(b.meta.created()));
      for (Snap s : loaded) {
        m.snaps.put(s.meta.name(), s);
      }
    } catch (IOException e) {
      throw DwException.unavailable("cannot open the snapshots in " + root + ": " + e.getMessage(), e);
    }
    m.recount();
    engine.setWriteHook(m::beforeWrite);
    return m;
  }

  private Snap load(Path d) throws IOException {
    Path metaFile = d.resolve("meta.dat");
    Meta meta = Json.fromBytes(FramedFile.read(metaFile, META_MAGIC, 1, 1).body(), Meta.class, metaFile.toString());
    FileChannel cow = FileChannel.open(d.resolve("cow.log"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    Snap s = new Snap(meta, cow);
    long size = cow.size();
    ByteBuffer r = ByteBuffer.allocate(RECORD);
    long pos = 0;
    while (pos + RECORD <= size) {
      r.clear();
      AtomicFiles.readFully(cow, r, pos);
      CRC32C c = new CRC32C();
      c.update(r.array(), 0, RECORD - 4);
      if (r.getInt(0) != COW_MAGIC || (int) c.getValue() != r.getInt(RECORD - 4)) {
        break;
      }
      byte[] fp = new byte[32];
      r.get(12, fp);
      s.saved.put(r.getLong(4), new DedupStore.Ref(HexFormat.of().formatHex(fp), r.getInt(44)));
      pos += RECORD;
    }
    if (pos < size) {
      cow.truncate(pos);
    }
    s.end = pos;
    return s;
  }

  private void recount() {
    Map<DedupStore.Ref, Long> counts = new HashMap<>();
    for (Snap s : snaps.values()) {
      for (DedupStore.Ref r : s.saved.values()) {
        counts.merge(r, 1L, Long::sum);
      }
    }
    store.setReferences(counts);
  }

  /** Takes a snapshot named {@code name}. */
  public Info create(String name) {
    if (!NAME.matcher(name).matches()) {
      throw DwException.invalidArgument("snapshot name '" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    Info[] out = new Info[1];
    engine.quiesce(() -> {
      synchronized (this) {
        if (snaps.containsKey(name)) {
          throw DwException.of(ErrorCode.ALREADY_EXISTS, "snapshot '" + name + "' already exists");
        }
        engine.flush();
        Path d = root.resolve(name);
        try {
          Files.createDirectories(d);
          Meta meta = new Meta(name, engine.time().now(), engine.capacity(), engine.blockSize(), engine.arrayId());
          FileChannel cow = FileChannel.open(d.resolve("cow.log"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
          FramedFile.write(d.resolve("meta.dat"), META_MAGIC, 1, Json.toBytes(meta));
          Snap s = new Snap(meta, cow);
          snaps.put(name, s);
          out[0] = info(s);
        } catch (IOException e) {
          throw DwException.unavailable("cannot create snapshot " + name + " in " + d + ": " + e.getMessage(), e);
        }
      }
    });
    return out[0];
  }

  /** Copy-on-write: saves the blocks of {@code [pos, pos+len)} that a snapshot still needs. */
  private synchronized void beforeWrite(long pos, long len) {
    if (snaps.isEmpty()) {
      return;
    }
    int bs = engine.blockSize();
    long first = pos / bs;
    long last = (pos + len - 1) / bs;
    TreeMap<Long, List<Snap>> todo = new TreeMap<>();
    for (long b = first; b <= last; b++) {
      for (Snap s : snaps.values()) {
        if (!s.saved.containsKey(b)) {
          todo.computeIfAbsent(b, k -> new ArrayList<>()).add(s);
        }
      }
    }
    if (todo.isEmpty()) {
      return;
    }
    byte[] old = new byte[bs];
    List<Snap> touched = new ArrayList<>();
    for (Map.Entry<Long, List<Snap>> e : todo.entrySet()) {
      engine.read(e.getKey() * bs, old, 0, bs);
      DedupStore.Ref ref = null;
      for (Snap s : e.getValue()) {
        if (ref == null) {
          ref = store.put(old, 0, bs);
        } else {
          store.retain(ref);
        }
        append(s, e.getKey(), ref);
        if (!touched.contains(s)) {
          touched.add(s);
        }
      }
    }
    store.force();
    for (Snap s : touched) {
      try {
        s.cow.force(false);
      } catch (IOException ex) {
        throw DwException.unavailable("cannot force the copy-on-write log of snapshot " + s.meta.name() + ": " + ex.getMessage(), ex);
      }
    }
  }

  private void append(Snap s, long block, DedupStore.Ref ref) {
    ByteBuffer r = ByteBuffer.allocate(RECORD);
    r.putInt(COW_MAGIC).putLong(block).put(HexFormat.of().parseHex(ref.fingerprint())).putInt(ref.variant());
    CRC32C c = new CRC32C();
    c.update(r.array(), 0, RECORD - 4);
    r.putInt((int) c.getValue()).flip();
    try {
      AtomicFiles.writeFully(s.cow, r, s.end);
    } catch (IOException e) {
      throw DwException.unavailable("cannot append to the copy-on-write log of snapshot " + s.meta.name() + ": " + e.getMessage(), e);
    }
    s.end += RECORD;
    s.saved.put(block, ref);
  }

  private Snap get(String name) {
    Snap s = snaps.get(name);
    if (s == null) {
      throw DwException.notFound("no snapshot '" + name + "'; snapshots: " + snaps.keySet());
    }
    return s;
  }

  /** The snapshots, oldest first. */
  public synchronized List<Info> list() {
    return snaps.values().stream().map(this::info).toList();
  }

  private Info info(Snap s) {
    return new Info(s.meta.name(), s.meta.created(), s.saved.size(), (long) s.saved.size() * s.meta.blockSize());
  }

  /** Reads {@code len} bytes at {@code pos} of the array as it was when {@code name} was taken. */
  public synchronized byte[] read(String name, long pos, int len) {
    Snap s = get(name);
    if (pos < 0 || len < 0 || pos > s.meta.capacity() - len) {
      throw DwException.invalidArgument("range [" + pos + ", " + (pos + len) + ") is outside snapshot " + name + " (" + s.meta.capacity() + " bytes)");
    }
    int bs = s.meta.blockSize();
    byte[] out = new byte[len];
    long p = pos;
    int o = 0;
    while (o < len) {
      long b = p / bs;
      int in = (int) (p - b * bs);
      int n = Math.min(len - o, bs - in);
      DedupStore.Ref ref = s.saved.get(b);
      if (ref != null) {
        System.arraycopy(store.get(ref), in, out, o, n);
      } else {
        engine.read(p, out, o, n);
      }
      p += n;
      o += n;
    }
    return out;
  }

  /** Writes the blocks saved for {@code name} back: the array then reads as the snapshot. */
  public long restore(String name) {
    Map<Long, DedupStore.Ref> saved;
    synchronized (this) {
      saved = new TreeMap<>(get(name).saved);
    }
    int bs = engine.blockSize();
    for (Map.Entry<Long, DedupStore.Ref> e : saved.entrySet()) {
      byte[] data;
      synchronized (this) {
        data = store.get(e.getValue());
      }
      engine.write(e.getKey() * bs, data, 0, bs);
    }
    engine.flush();
    return saved.size();
  }

  /** Deletes {@code name}; its blocks are freed by the next {@link #gc()}. */
  public synchronized void delete(String name) {
    Snap s = get(name);
    Path d = root.resolve(name);
    try {
      Files.delete(d.resolve("meta.dat"));
      AtomicFiles.fsyncDirectory(d);
      s.cow.close();
      deleteTree(d);
    } catch (IOException e) {
      throw DwException.unavailable("cannot delete snapshot " + name + ": " + e.getMessage(), e);
    }
    snaps.remove(name);
    for (DedupStore.Ref r : s.saved.values()) {
      store.release(r);
    }
  }

  public DedupStore store() {
    return store;
  }

  /** Frees unreferenced blocks; returns bytes reclaimed. */
  public synchronized long gc() {
    return store.gc();
  }

  /** A snapshot's metadata. */
  public synchronized Meta meta(String name) {
    return get(name).meta;
  }

  private static void deleteTree(Path d) throws IOException {
    try (Stream<Path> files = Files.list(d)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.delete(f);
      }
    }
    Files.delete(d);
  }

  @Override
  public synchronized void close() throws IOException {
    engine.setWriteHook(null);
    for (Snap s : snaps.values()) {
      s.cow.close();
    }
    store.close();
  }
}
