package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.AtomicFiles;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The blob index: which pack holds each blob. On disk, index files ({@code index/<name>}):
 * <pre>
 *   "DWIX" u32 version, then Aead(body, associated data = header + name), body:
 *   u32 pack count; per pack: name (16 bytes), u32 entry count, entries as in the pack trailer
 * </pre>
 * An index file is written only after every pack it names is complete on disk, so every entry of
 * every index file points at a complete pack (unless something outside deleted or damaged it,
 * which validate reports). Index files list at most {@link #PACKS_PER_FILE} packs, so reading
 * one takes bounded memory.
 *
 * <p>In memory: the pack names (one string per pack, not per blob). The blob locations live in a
 * {@link BlobTable}, a hash table in an unlinked temporary file under {@code java.io.tmpdir} (64
 * bytes per blob on disk, in the page cache; none in the heap), so the index of a repository of
 * any size costs the process the same memory. Close it to release the file.
 *
 * <p>Thread-safe.
 */
public final class RepoIndex implements AutoCloseable {
  /** The most packs one index file lists (backup and prune both write files of at most this many). */
  public static final int PACKS_PER_FILE = 32;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final BlobTable table;
  private final List<String> packNames = new ArrayList<>();
  private final Map<String, Integer> packNumbers = new HashMap<>();
  private final Map<String, String> packToIndex = new LinkedHashMap<>();

  /** An empty index whose table lives under {@code java.io.tmpdir}. */
  public RepoIndex() {
    this(Path.of(System.getProperty("java.io.tmpdir")));
  }

  /** An empty index whose table lives under {@code tempDir}. */
  public RepoIndex(Path tempDir) {
    this.table = new BlobTable(tempDir);
  }

  /** The location of {@code id}, or null. */
  public BlobLocation get(BlobId id) {
    return read(() -> {
      BlobTable.Entry e = table.get(id.bytes());
      return e == null ? null : location(id, e);
    });
  }

  /** Whether the index holds {@code id}. */
  public boolean contains(BlobId id) {
    return read(() -> table.get(id.bytes()) != null);
  }

  /** Adds entries (a duplicate id keeps its first location). */
  public void addAll(List<BlobLocation> entries, String indexName) {
    lock.writeLock().lock();
    try {
      for (BlobLocation e : entries) {
        Integer pack = packNumbers.get(e.pack());
        if (pack == null) {
          pack = packNames.size();
          packNames.add(e.pack());
          packNumbers.put(e.pack(), pack);
        }
        table.putIfAbsent(new BlobTable.Entry(e.id().bytes(), pack, e.offset(), e.storedLength(), e.rawLength(), e.compressed()));
        packToIndex.putIfAbsent(e.pack(), indexName);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Calls {@code each} with every blob location (in no particular order). */
  public void forEach(Consumer<BlobLocation> each) {
    read(() -> {
      table.forEach(e -> each.accept(location(BlobId.of(e.id()), e)));
      return null;
    });
  }

  /** Number of blobs. */
  public long size() {
    return read(table::size);
  }

  /** Bytes of the table file that holds the locations (64 per slot, at most half the slots used). */
  public long tableBytes() {
    return read(table::fileBytes);
  }

  /** Names of the packs some index names. */
  public Set<String> packs() {
    return read(() -> Set.copyOf(packToIndex.keySet()));
  }

  private BlobLocation location(BlobId id, BlobTable.Entry e) {
    return new BlobLocation(id, packNames.get(e.pack()), e.offset(), e.storedLength(), e.rawLength(), e.compressed());
  }

  /** {@code body}'s result, computed under the read lock (lookups run concurrently; adds wait). */
  private <T> T read(Supplier<T> body) {
    lock.readLock().lock();
    try {
      return body.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Releases the table's file. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      table.close();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Loads every index file; a file that does not open is passed to {@code onBad} (name, error) and
   * skipped, or, when {@code onBad} is null, thrown.
   */
  public static RepoIndex load(RepoLayout layout, Sealer sealer, BiConsumer<String, DwException> onBad) {
    RepoIndex idx = new RepoIndex();
    try {
      loadInto(idx, layout, sealer, onBad);
    } catch (RuntimeException e) {
      idx.close();
      throw e;
    }
    return idx;
  }

  private static void loadInto(RepoIndex idx, RepoLayout layout, Sealer sealer, BiConsumer<String, DwException> onBad) {
    for (String name : RepoLayout.names(layout.indexDir())) {
      try {
        Map<String, List<BlobLocation>> packs = read(layout, sealer, name);
        for (List<BlobLocation> l : packs.values()) {
          idx.addAll(l, name);
        }
      } catch (DwException e) {
        if (onBad == null) {
          throw e;
        }
        onBad.accept(name, e);
      }
    }
  }

  /** The packs and entries one index file lists. INTEGRITY naming the file when it does not verify. */
  public static Map<String, List<BlobLocation>> read(RepoLayout layout, Sealer sealer, String name) {
    Path file = layout.index(name);
    byte[] body = sealer.openFile(RepoLayout.INDEX_MAGIC, name, AtomicFiles.readAll(file), file);
    try {
      ByteBuffer b = ByteBuffer.wrap(body);
      int packs = b.getInt();
      Map<String, List<BlobLocation>> out = new LinkedHashMap<>();
      for (int p = 0; p < packs; p++) {
        byte[] pn = new byte[16];
        b.get(pn);
        String pack = HexFormat.of().formatHex(pn);
        int n = b.getInt();
        if (n < 0 || (long) n * BlobLocation.ENTRY_SIZE > b.remaining()) {
          throw DwException.integrity(file + ": pack " + pack + " claims " + n + " entries in " + b.remaining() + " bytes");
        }
        List<BlobLocation> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          l.add(BlobLocation.read(b, pack, file.toString()));
        }
        out.put(pack, l);
      }
      if (b.hasRemaining()) {
        throw DwException.integrity(file + ": " + b.remaining() + " unexpected bytes after the last pack");
      }
      return out;
    } catch (java.nio.BufferUnderflowException e) {
      throw DwException.integrity(file + ": truncated index body", e);
    }
  }

  /**
   * Writes new index files listing {@code packs}, {@link #PACKS_PER_FILE} packs per file; returns
   * their names. Each file is complete on disk before the next is started.
   */
  public static List<String> writeAll(RepoLayout layout, Sealer sealer, Map<String, List<BlobLocation>> packs) {
    List<String> names = new ArrayList<>();
    Map<String, List<BlobLocation>> part = new LinkedHashMap<>();
    for (Map.Entry<String, List<BlobLocation>> e : packs.entrySet()) {
      part.put(e.getKey(), e.getValue());
      if (part.size() == PACKS_PER_FILE) {
        names.add(write(layout, sealer, part));
        part.clear();
      }
    }
    if (!part.isEmpty()) {
      names.add(write(layout, sealer, part));
    }
    return names;
  }

  /** Writes a new index file listing {@code packs} (at most {@link #PACKS_PER_FILE}); returns its name. */
  public static String write(RepoLayout layout, Sealer sealer, Map<String, List<BlobLocation>> packs) {
    if (packs.size() > PACKS_PER_FILE) {
      throw new IllegalArgumentException("an index file lists at most " + PACKS_PER_FILE + " packs, got " + packs.size());
    }
    int size = 4;
    for (List<BlobLocation> l : packs.values()) {
      size += 16 + 4 + l.size() * BlobLocation.ENTRY_SIZE;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(packs.size());
    for (Map.Entry<String, List<BlobLocation>> e : packs.entrySet()) {
      b.put(HexFormat.of().parseHex(e.getKey()));
      b.putInt(e.getValue().size());
      for (BlobLocation l : e.getValue()) {
        l.write(b);
      }
    }
    String name = RepoLayout.newName();
    AtomicFiles.write(layout.index(name), sealer.sealFile(RepoLayout.INDEX_MAGIC, name, b.array()));
    return name;
  }
}
