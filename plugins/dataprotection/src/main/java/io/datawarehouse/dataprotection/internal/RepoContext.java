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
    if (!Files.exists(file)) {
      throw DwException.notFound("no snapshot " + id + " in " + layout.root());
    }
    byte[] framed = sealer.openFile(RepoLayout.SNAPSHOT_MAGIC, id, AtomicFiles.readAll(file), file);
    Snapshot s;
    try {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(framed);
      int len = b.getInt();
      if (len < 0 || len > 1 << 30) {
        throw DwException.integrity(file + ": snapshot length " + len + " out of range");
      }
      byte[] json = Zstd.decompress(java.util.Arrays.copyOfRange(framed, 4, framed.length), len);
      s = Json.fromBytes(json, Snapshot.class, file.toString());
    } catch (DwException e) {
      throw DwException.integrity(file + ": malformed snapshot: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw DwException.integrity(file + ": malformed snapshot: " + e.getMessage(), e);
    }
    if (!id.equals(s.id()) || s.version() != Snapshot.VERSION) {
      throw DwException.integrity(file + ": holds snapshot " + s.id() + " version " + s.version() + " vs expected " + id
          + " version " + Snapshot.VERSION);
    }
    for (Snapshot.FileEntry f : s.files()) {
      checkPath(f.path(), file);
    }
    return s;
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
      List<Snapshot> all = readAllSnapshots();
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
