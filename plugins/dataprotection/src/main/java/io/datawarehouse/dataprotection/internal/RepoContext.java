package io.datawarehouse.dataprotection.internal;

import com.github.luben.zstd.Zstd;
import io.datawarehouse.dataprotection.Snapshot;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the operations on an open repository share: its layout, keys ({@link Sealer}), chunker,
 * settings and clock. Thread-safe.
 *
 * @param layout the repository's files
 * @param sealer ids, encryption and authentication
 * @param chunker the repository's FastCDC parameters and Gear table
 * @param time the clock (snapshot times, locks, retention)
 * @param packSize target pack size in bytes
 * @param threads worker threads for hashing, compression and encryption
 */
public record RepoContext(RepoLayout layout, Sealer sealer, FastCdc chunker, Time time, long packSize, int threads) {

  /** Writes a snapshot file; its name is its id. */
  public void writeSnapshot(Snapshot s) {
    byte[] json = Json.toBytes(s);
    byte[] body = Zstd.compress(json, 3);
    byte[] framed = new byte[4 + body.length];
    java.nio.ByteBuffer.wrap(framed).putInt(json.length).put(body);
    AtomicFiles.write(layout.snapshot(s.id()), sealer.sealFile(RepoLayout.SNAPSHOT_MAGIC, s.id(), framed));
  }

  /**
   * Reads and verifies a snapshot file.
   *
   * @throws DwException NOT_FOUND when there is no such snapshot; INTEGRITY naming the file when it
   *     does not verify or its content is malformed
   */
  public Snapshot readSnapshot(String id) {
    Path file = layout.snapshot(id);
    return decode(id, file, openSnapshot(id, file));
  }

  /** The full snapshot in {@code json} (the verified content of {@code file}), every entry checked. */
  private static Snapshot decode(String id, Path file, byte[] json) {
    Snapshot s;
    try {
      s = Json.fromBytes(json, Snapshot.class, file.toString());
    } catch (DwException e) {
      throw DwException.integrity(file + ": malformed snapshot: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw DwException.integrity(file + ": malformed snapshot: " + e.getMessage(), e);
    }
    checkHeader(id, s.id(), s.version(), file);
    for (Snapshot.FileEntry f : s.files()) {
      checkPath(f.path(), file);
    }
    return s;
  }

  /** The fields of a snapshot file without its file list; unknown fields ({@code files}) are skipped. */
  private record Head(int version, String id, java.time.Instant time, String type, String parent, List<String> paths,
      String host, List<String> tags, Snapshot.Stats stats) {}

  private static final com.fasterxml.jackson.databind.ObjectReader HEAD_READER = Json.mapper().readerFor(Head.class)
      .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * A snapshot's summary: the file is read and verified (authenticated decryption) exactly as by
   * {@link #readSnapshot}, but the file list is skipped by the JSON parser instead of being decoded
   * into entries, which is most of the cost of a snapshot of many files. For choosing among
   * snapshots (the parent of a backup, the list, {@code latest}); whoever uses the files reads the
   * chosen snapshot with {@link #readSnapshot}, which checks every entry.
   *
   * @throws DwException NOT_FOUND when there is no such snapshot; INTEGRITY as {@link #readSnapshot}
   */
  public Snapshot.Summary readSummary(String id) {
    Path file = layout.snapshot(id);
    return summary(id, file, openSnapshot(id, file));
  }

  private static Snapshot.Summary summary(String id, Path file, byte[] json) {
    Head h;
    try {
      h = HEAD_READER.readValue(json);
      if (h == null || h.paths() == null || h.time() == null || h.type() == null) {
        throw DwException.integrity("fields missing");
      }
    } catch (DwException e) {
      throw DwException.integrity(file + ": malformed snapshot: " + e.getMessage(), e);
    } catch (java.io.IOException | RuntimeException e) {
      throw DwException.integrity(file + ": malformed snapshot: " + e.getMessage(), e);
    }
    checkHeader(id, h.id(), h.version(), file);
    return new Snapshot.Summary(h.id(), h.time(), h.type(), h.parent(), List.copyOf(h.paths()), h.host(),
        h.tags() == null ? List.of() : List.copyOf(h.tags()), h.stats());
  }

  /**
   * The latest snapshot (by time, then id) whose summary {@code filter} accepts, read in full; null
   * when there is none. Every snapshot file is read and verified as by {@link #readSnapshot}, but
   * only the chosen one's file list is decoded (and its file is read once).
   */
  public Snapshot latestSnapshot(java.util.function.Predicate<Snapshot.Summary> filter) {
    Comparator<Snapshot.Summary> order = Comparator.comparing(Snapshot.Summary::time).thenComparing(Snapshot.Summary::id);
    Snapshot.Summary best = null;
    byte[] bestJson = null;
    for (String id : RepoLayout.names(layout.snapshotDir())) {
      Path file = layout.snapshot(id);
      byte[] json = openSnapshot(id, file);
      Snapshot.Summary s = summary(id, file, json);
      if (filter.test(s) && (best == null || order.compare(s, best) > 0)) {
        best = s;
        bestJson = json;
      }
    }
    return best == null ? null : decode(best.id(), layout.snapshot(best.id()), bestJson);
  }

  /** Every snapshot's summary ({@link #readSummary}), oldest first. */
  public List<Snapshot.Summary> readAllSummaries() {
    List<Snapshot.Summary> out = new ArrayList<>();
    for (String id : RepoLayout.names(layout.snapshotDir())) {
      out.add(readSummary(id));
    }
    out.sort(Comparator.comparing(Snapshot.Summary::time).thenComparing(Snapshot.Summary::id));
    return out;
  }

  /** The verified, decompressed JSON of snapshot {@code id}. */
  private byte[] openSnapshot(String id, Path file) {
    if (!Files.exists(file)) {
      throw DwException.notFound("no snapshot " + id + " in " + layout.root());
    }
    byte[] framed = sealer.openFile(RepoLayout.SNAPSHOT_MAGIC, id, AtomicFiles.readAll(file), file);
    try {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(framed);
      int len = b.getInt();
      if (len < 0 || len > 1 << 30) {
        throw DwException.integrity(file + ": snapshot length " + len + " out of range");
      }
      return Zstd.decompress(java.util.Arrays.copyOfRange(framed, 4, framed.length), len);
    } catch (DwException e) {
      throw DwException.integrity(file + ": malformed snapshot: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw DwException.integrity(file + ": malformed snapshot: " + e.getMessage(), e);
    }
  }

  private static void checkHeader(String id, String storedId, int version, Path file) {
    if (!id.equals(storedId) || version != Snapshot.VERSION) {
      throw DwException.integrity(file + ": holds snapshot " + storedId + " version " + version + " vs expected " + id
          + " version " + Snapshot.VERSION);
    }
  }

  /** Rejects entry paths that could escape a restore target. */
  private static void checkPath(String p, Path file) {
    if (p.isEmpty() || p.startsWith("/") || p.contains("\0")) {
      throw DwException.integrity(file + ": bad entry path '" + p + "'");
    }
    for (String part : p.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw DwException.integrity(file + ": bad entry path '" + p + "'");
      }
    }
  }

  /** Every snapshot, oldest first (unreadable ones are skipped; validate reports them). */
  public List<Snapshot> readAllSnapshots() {
    List<Snapshot> out = new ArrayList<>();
    for (String id : RepoLayout.names(layout.snapshotDir())) {
      out.add(readSnapshot(id));
    }
    out.sort(Comparator.comparing(Snapshot::time).thenComparing(Snapshot::id));
    return out;
  }

  /** Resolves a unique id prefix (at least 4 digits) or {@code latest} to a snapshot id. */
  public String resolveSnapshot(String prefix) {
    List<String> names = RepoLayout.names(layout.snapshotDir());
    if ("latest".equals(prefix)) {
      List<Snapshot.Summary> all = readAllSummaries();
      if (all.isEmpty()) {
        throw DwException.notFound("the repository " + layout.root() + " has no snapshots");
      }
      return all.get(all.size() - 1).id();
    }
    if (prefix == null || prefix.length() < 4) {
      throw DwException.invalidArgument("give a snapshot id (at least 4 hex digits) or 'latest', was '" + prefix + "'");
    }
    List<String> match = names.stream().filter(n -> n.startsWith(prefix)).toList();
    if (match.isEmpty()) {
      throw DwException.notFound("no snapshot " + prefix + " in " + layout.root());
    }
    if (match.size() > 1) {
      throw DwException.invalidArgument("snapshot prefix " + prefix + " is ambiguous: " + match);
    }
    return match.get(0);
  }
}
