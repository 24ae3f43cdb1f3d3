package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.AtomicFiles;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The blob index: which pack holds each blob. On disk, index files ({@code index/<name>}):
 * <pre>
 *   "DWIX" u32 version, then Aead(body, associated data = header + name), body:
 *   u32 pack count; per pack: name (16 bytes), u32 entry count, entries as in the pack trailer
 * </pre>
 * An index file is written only after every pack it names is complete on disk, so every entry of
 * every index file points at a complete pack (unless something outside deleted or damaged it,
 * which validate reports). In memory, one map from blob id to location (about 150 bytes per blob;
 * with 1 MiB average chunks, about 150 MB per TiB of unique data); file data is never held.
 *
 * <p>Thread-safe.
 */
public final class RepoIndex {
  private final Map<BlobId, BlobLocation> blobs = new ConcurrentHashMap<>();
  private final Map<String, String> packToIndex = new ConcurrentHashMap<>();

  /** The location of {@code id}, or null. */
  public BlobLocation get(BlobId id) {
    return blobs.get(id);
  }

  /** Whether the index holds {@code id}. */
  public boolean contains(BlobId id) {
    return blobs.containsKey(id);
  }

  /** Adds entries (a duplicate id keeps its first location). */
  public void addAll(List<BlobLocation> entries, String indexName) {
    for (BlobLocation e : entries) {
      blobs.putIfAbsent(e.id(), e);
      packToIndex.putIfAbsent(e.pack(), indexName);
    }
  }

  /** Every blob location. */
  public Iterable<BlobLocation> all() {
    return blobs.values();
  }

  /** Number of blobs. */
  public int size() {
    return blobs.size();
  }

  /** Names of the packs some index names. */
  public Set<String> packs() {
    return packToIndex.keySet();
  }

  /**
   * Loads every index file; a file that does not open is passed to {@code onBad} (name, error) and
   * skipped, or, when {@code onBad} is null, thrown.
   */
  public static RepoIndex load(RepoLayout layout, Sealer sealer, BiConsumer<String, DwException> onBad) {
    RepoIndex idx = new RepoIndex();
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
    return idx;
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

  /** Writes a new index file listing {@code packs}; returns its name. */
  public static String write(RepoLayout layout, Sealer sealer, Map<String, List<BlobLocation>> packs) {
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
