package io.datawarehouse.raid.internal.dedup;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A content-addressed block store: every distinct block is stored once, under its SHA-256
 * fingerprint, and shared by reference.
 *
 * <p>Storage: one append-only log, {@code blocks.dat}, of records {@code [magic u32][length
 * u32][sha256 32 bytes][crc32c u32][data]}; the CRC covers the header fields and the data, and is
 * checked on every read. The index (fingerprint to records) is rebuilt at open by walking the
 * record headers; a torn record at the end (a crash during an append) is cut off. A reference is a
 * {@link Ref}: the fingerprint and a variant number, so that two different blocks with the same
 * fingerprint (a SHA-256 collision, never assumed away) are both kept: a put compares the stored
 * bytes with the new ones before sharing.
 *
 * <p>Reference counts belong to the users of the store (the snapshots' copy-on-write logs), which
 * are durable; {@link #setReferences} gives the counts at open, {@link #retain}/{@link #release}
 * keep them current, {@link #gc} rewrites the log without unreferenced blocks.
 *
 * <p>Thread-safe (synchronized).
 */
public final class DedupStore implements AutoCloseable {
  private static final int MAGIC = FramedFile.magic("DWDB");
  private static final int HEADER = 4 + 4 + 32 + 4;

  /** A stored block: fingerprint and variant (0 unless a collision was found). */
  public record Ref(String fingerprint, int variant) {}

  private static final class Entry {
    final long offset;
    final int length;
    long refs;

    Entry(long offset, int length) {
      this.offset = offset;
      this.length = length;
    }
  }

  /** Computes a block's 32-byte fingerprint in hex. */
  @FunctionalInterface
  public interface Fingerprint {
    String of(byte[] data, int off, int len);
  }

  private final Path dir;
  private final Fingerprint hash;
  private FileChannel log;
  private long end;
  private final Map<String, List<Entry>> index = new HashMap<>();
  private long collisions;

  private DedupStore(Path dir, Fingerprint hash) {
    this.dir = dir;
    this.hash = hash;
  }

  /** Opens (or creates) the store in {@code dir}, fingerprinting with SHA-256. */
  public static DedupStore open(Path dir) {
    return open(dir, DedupStore::fingerprint);
  }

  /** Opens the store with another fingerprint (tests force collisions with a weak one). */
  public static DedupStore open(Path dir, Fingerprint hash) {
    DedupStore s = new DedupStore(dir, hash);
    try {
      Files.createDirectories(dir);
      s.log = FileChannel.open(dir.resolve("blocks.dat"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      s.scan();
    } catch (IOException e) {
      throw DwException.unavailable("cannot open the dedup store in " + dir + ": " + e.getMessage(), e);
    }
    return s;
  }

  private void scan() throws IOException {
    long size = log.size();
    long pos = 0;
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    while (pos + HEADER <= size) {
      h.clear();
      if (!AtomicFiles.readFully(log, h, pos) || h.getInt(0) != MAGIC) {
        break;
      }
      int len = h.getInt(4);
      if (len < 0 || pos + HEADER + len > size) {
        break;
      }
      byte[] fp = new byte[32];
      h.get(8, fp);
      index.computeIfAbsent(HexFormat.of().formatHex(fp), k -> new ArrayList<>()).add(new Entry(pos, len));
      pos += HEADER + len;
    }
    if (pos < size) {
      log.truncate(pos); // a record torn by a crash during its append: never referenced
    }
    end = pos;
  }

  /** SHA-256 of {@code data[off..off+len)} in hex. */
  public static String fingerprint(byte[] data, int off, int len) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data, off, len);
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw DwException.internal("SHA-256 is not available", e);
    }
  }

  /**
   * Stores a block (or finds an identical one) and takes one reference to it. Durable after {@link
   * #force()}.
   */
  public synchronized Ref put(byte[] data, int off, int len) {
    String fp = hash.of(data, off, len);
    List<Entry> variants = index.computeIfAbsent(fp, k -> new ArrayList<>());
    for (int v = 0; v < variants.size(); v++) {
      Entry e = variants.get(v);
      if (e.length == len && Arrays.equals(readEntry(fp, e), 0, len, data, off, off + len)) {
        e.refs++;
        return new Ref(fp, v);
      }
    }
    if (!variants.isEmpty()) {
      collisions++;
    }
    Entry e = append(fp, data, off, len);
    e.refs = 1;
    variants.add(e);
    return new Ref(fp, variants.size() - 1);
  }

  private Entry append(String fp, byte[] data, int off, int len) {
    ByteBuffer b = ByteBuffer.allocate(HEADER + len);
    b.putInt(MAGIC).putInt(len).put(HexFormat.of().parseHex(fp));
    CRC32C c = new CRC32C();
    c.update(b.array(), 4, 36);
    c.update(data, off, len);
    b.putInt((int) c.getValue()).put(data, off, len).flip();
    try {
      AtomicFiles.writeFully(log, b, end);
    } catch (IOException ex) {
      throw DwException.unavailable("cannot append to " + dir.resolve("blocks.dat") + ": " + ex.getMessage(), ex);
    }
    Entry e = new Entry(end, len);
    end += HEADER + len;
    return e;
  }

  /** Makes every stored block durable. */
  public synchronized void force() {
    try {
      log.force(false);
    } catch (IOException e) {
      throw DwException.unavailable("cannot force " + dir.resolve("blocks.dat") + ": " + e.getMessage(), e);
    }
  }

  /** The block's bytes, checked against its CRC32C and fingerprint. */
  public synchronized byte[] get(Ref ref) {
    return readEntry(ref.fingerprint(), entry(ref));
  }

  private Entry entry(Ref ref) {
    List<Entry> variants = index.get(ref.fingerprint());
    if (variants == null || ref.variant() >= variants.size()) {
      throw DwException.integrity(dir.resolve("blocks.dat") + ": block " + ref + " is referenced but not stored");
    }
    return variants.get(ref.variant());
  }

  private byte[] readEntry(String fp, Entry e) {
    ByteBuffer b = ByteBuffer.allocate(HEADER + e.length);
    try {
      if (!AtomicFiles.readFully(log, b, e.offset)) {
        throw DwException.integrity(dir.resolve("blocks.dat") + ": block " + fp + " at " + e.offset + " is cut short");
      }
    } catch (IOException ex) {
      throw DwException.unavailable("cannot read " + dir.resolve("blocks.dat") + ": " + ex.getMessage(), ex);
    }
    CRC32C c = new CRC32C();
    c.update(b.array(), 4, 36);
    c.update(b.array(), HEADER, e.length);
    byte[] data = Arrays.copyOfRange(b.array(), HEADER, HEADER + e.length);
    if ((int) c.getValue() != b.getInt(40) || !hash.of(data, 0, data.length).equals(fp)) {
      throw DwException.integrity(dir.resolve("blocks.dat") + ": block " + fp + " at offset " + e.offset + " fails its checksum");
    }
    return data;
  }

  /** Takes one more reference. */
  public synchronized void retain(Ref ref) {
    entry(ref).refs++;
  }

  /** Drops one reference; the block stays until {@link #gc()}. */
  public synchronized void release(Ref ref) {
    Entry e = entry(ref);
    e.refs = Math.max(0, e.refs - 1);
  }

  /** Sets every reference count (recounted by the owner at open). */
  public synchronized void setReferences(Map<Ref, Long> counts) {
    for (List<Entry> vs : index.values()) {
      for (Entry e : vs) {
        e.refs = 0;
      }
    }
    counts.forEach((r, n) -> entry(r).refs = n);
  }

  /**
   * Rewrites the log without unreferenced blocks (to a temporary file, forced, renamed into place).
   *
   * @return bytes reclaimed
   */
  public synchronized long gc() {
    Path live = dir.resolve("blocks.dat");
    Path tmp = dir.resolve(AtomicFiles.TEMP_PREFIX + "blocks.dat");
    long before = end;
    Map<String, List<Entry>> fresh = new HashMap<>();
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      long pos = 0;
      for (Map.Entry<String, List<Entry>> me : index.entrySet()) {
        // a fingerprint goes when none of its variants is referenced; variants of a live
        // fingerprint all stay, so that variant numbers in references remain valid
        if (allUnreferenced(me.getValue())) {
          continue;
        }
        List<Entry> kept = new ArrayList<>();
        for (Entry e : me.getValue()) {
          ByteBuffer b = ByteBuffer.allocate(HEADER + e.length);
          AtomicFiles.readFully(log, b, e.offset);
          b.flip();
          AtomicFiles.writeFully(out, b, pos);
          Entry n = new Entry(pos, e.length);
          n.refs = e.refs;
          kept.add(n);
          pos += HEADER + e.length;
        }
        fresh.put(me.getKey(), kept);
      }
      out.force(true);
      log.close();
      Files.move(tmp, live, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      AtomicFiles.fsyncDirectory(dir);
      log = FileChannel.open(live, StandardOpenOption.READ, StandardOpenOption.WRITE);
      end = pos;
    } catch (IOException e) {
      throw DwException.unavailable("dedup garbage collection in " + dir + " failed: " + e.getMessage(), e);
    }
    index.clear();
    index.putAll(fresh);
    return before - end;
  }

  private static boolean allUnreferenced(List<Entry> variants) {
    for (Entry e : variants) {
      if (e.refs > 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Statistics.
   *
   * @param blocks distinct blocks stored
   * @param storedBytes bytes of block data in the log
   * @param referencedBytes bytes the references stand for (each reference counts its block's size)
   * @param unreferencedBlocks blocks {@link #gc()} would drop
   * @param collisions fingerprints shared by different contents (kept apart, never merged)
   */
  public record Stats(long blocks, long storedBytes, long referencedBytes, long unreferencedBlocks, long collisions) {
    /** Referenced over stored bytes (1.0 when empty). */
    public double ratio() {
      return storedBytes == 0 ? 1.0 : (double) referencedBytes / storedBytes;
    }
  }

  public synchronized Stats stats() {
    long blocks = 0;
    long stored = 0;
    long referenced = 0;
    long unreferenced = 0;
    for (List<Entry> vs : index.values()) {
      for (Entry e : vs) {
        blocks++;
        stored += e.length;
        referenced += e.refs * e.length;
        unreferenced += e.refs == 0 ? 1 : 0;
      }
    }
    return new Stats(blocks, stored, referenced, unreferenced, collisions);
  }

  @Override
  public synchronized void close() throws IOException {
    log.close();
  }
}
