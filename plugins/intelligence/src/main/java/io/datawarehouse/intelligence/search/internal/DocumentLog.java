package io.datawarehouse.intelligence.search.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source of truth of a collection: an append-only log of document puts and deletes, each with
 * the embedding computed for it, so a restart never re-runs the model.
 *
 * <pre>
 * file: u32 magic "DWDL", u16 version 1, u16 reserved, then records:
 *   u32 payload length, u32 CRC32C of the payload, payload:
 *     u64 sequence, u8 op (1 put, 2 delete), UTF id,
 *     put only: u32 n + n bytes UTF-8 text, u32 n + n bytes metadata JSON, u16 dim + dim x f32 vector
 * </pre>
 *
 * {@link #append} writes a batch and forces it to disk before returning, so an acknowledged
 * write survives a crash. On open, a torn last record (a crash mid-append: short, or its CRC does
 * not match and nothing follows) is cut off with a WARN; a bad record followed by more data is
 * corruption, INTEGRITY naming the file and offset. Not thread-safe: the owning collection
 * serialises writers.
 */
public final class DocumentLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DocumentLog.class);
  static final int MAGIC = 0x4457_444C; // "DWDL"
  static final int VERSION = 1;
  private static final int HEADER = 8;
  private static final int MAX_RECORD = 64 << 20;
  public static final byte PUT = 1;
  public static final byte DELETE = 2;

  /** One record. {@code text}, {@code metadataJson} and {@code vector} are null for deletes. */
  public record Entry(long seq, byte op, String id, String text, String metadataJson, float[] vector) {}

  private final Path file;
  private FileChannel channel;
  private long size;

  private DocumentLog(Path file, FileChannel channel, long size) {
    this.file = file;
    this.channel = channel;
    this.size = size;
  }

  /**
   * Opens (creating when missing) the log at {@code file} and feeds every valid record to
   * {@code replay} in order.
   */
  public static DocumentLog open(Path file, Consumer<Entry> replay) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      boolean fresh = !Files.exists(file) || Files.size(file) == 0;
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      if (fresh) {
        ByteBuffer h = ByteBuffer.allocate(HEADER).putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).flip();
        AtomicFiles.writeFully(ch, h, 0);
        ch.force(true);
        AtomicFiles.fsyncDirectory(file.toAbsolutePath().getParent());
        return new DocumentLog(file, ch, HEADER);
      }
      long end = scan(file, ch, replay);
      if (end < ch.size()) {
        LOG.warn("document log {}: cut a torn last record at offset {} ({} bytes) left by an interrupted write",
            file, end, ch.size() - end);
        ch.truncate(end);
        ch.force(true);
      }
      return new DocumentLog(file, ch, end);
    } catch (IOException e) {
      throw DwException.unavailable("cannot open document log " + file + ": " + e.getMessage(), e);
    }
  }

  private static long scan(Path file, FileChannel ch, Consumer<Entry> replay) throws IOException {
    long fileSize = ch.size();
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    if (!AtomicFiles.readFully(ch, h, 0)) {
      throw DwException.integrity(file + ": document log shorter than its header");
    }
    h.flip();
    int magic = h.getInt();
    int version = Short.toUnsignedInt(h.getShort());
    if (magic != MAGIC) {
      throw DwException.integrity(String.format("%s: header mismatch: actual magic=0x%08x vs expected magic=0x%08x",
          file, magic, MAGIC));
    }
    if (version != VERSION) {
      throw DwException.integrity(file + ": document log version " + version + " is not supported (this build reads "
          + VERSION + ")");
    }
    long pos = HEADER;
    ByteBuffer rh = ByteBuffer.allocate(8);
    while (pos < fileSize) {
      rh.clear();
      if (!AtomicFiles.readFully(ch, rh, pos)) {
        return pos; // torn record header
      }
      rh.flip();
      int len = rh.getInt();
      int crc = rh.getInt();
      if (len < 0 || len > MAX_RECORD) {
        return tornOrCorrupt(file, pos, "record length " + len);
      }
      if (pos + 8 + len > fileSize) {
        return pos; // torn payload
      }
      ByteBuffer payload = ByteBuffer.allocate(len);
      AtomicFiles.readFully(ch, payload, pos + 8);
      CRC32C c = new CRC32C();
      c.update(payload.array(), 0, len);
      if ((int) c.getValue() != crc) {
        if (pos + 8 + len == fileSize) {
          return pos; // the last record, half written
        }
        throw DwException.integrity(String.format("%s: checksum mismatch in the record at offset %d: actual CRC32C=0x%08x"
            + " vs stored 0x%08x, and records follow it (the log is corrupt)", file, pos, (int) c.getValue(), crc));
      }
      replay.accept(decode(file, pos, payload.array()));
      pos += 8 + len;
    }
    return pos;
  }

  private static long tornOrCorrupt(Path file, long pos, String what) {
    throw DwException.integrity(file + ": bad " + what + " in the record at offset " + pos);
  }

  private static Entry decode(Path file, long pos, byte[] payload) {
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload))) {
      long seq = in.readLong();
      byte op = in.readByte();
      String id = in.readUTF();
      if (op == DELETE) {
        return new Entry(seq, op, id, null, null, null);
      }
      if (op != PUT) {
        throw DwException.integrity(file + ": unknown operation " + op + " in the record at offset " + pos);
      }
      String text = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
      String meta = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
      float[] v = new float[in.readUnsignedShort()];
      for (int i = 0; i < v.length; i++) {
        v[i] = in.readFloat();
      }
      return new Entry(seq, op, id, text, meta, v);
    } catch (IOException e) {
      throw DwException.integrity(file + ": malformed record at offset " + pos + ": " + e, e);
    }
  }

  private static byte[] encode(Entry e) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeLong(e.seq());
    out.writeByte(e.op());
    out.writeUTF(e.id());
    if (e.op() == PUT) {
      byte[] t = e.text().getBytes(StandardCharsets.UTF_8);
      out.writeInt(t.length);
      out.write(t);
      byte[] m = e.metadataJson().getBytes(StandardCharsets.UTF_8);
      out.writeInt(m.length);
      out.write(m);
      out.writeShort(e.vector().length);
      for (float x : e.vector()) {
        out.writeFloat(x);
      }
    }
    out.flush();
    return bytes.toByteArray();
  }

  /** Appends {@code entries} and forces them to disk. */
  public void append(List<Entry> entries) {
    try {
      ByteArrayOutputStream batch = new ByteArrayOutputStream();
      for (Entry e : entries) {
        byte[] p = encode(e);
        CRC32C c = new CRC32C();
        c.update(p);
        batch.write(ByteBuffer.allocate(8).putInt(p.length).putInt((int) c.getValue()).array());
        batch.write(p);
      }
      ByteBuffer buf = ByteBuffer.wrap(batch.toByteArray());
      AtomicFiles.writeFully(channel, buf, size);
      channel.force(false);
      size += buf.capacity();
    } catch (IOException e) {
      throw DwException.unavailable("cannot append to document log " + file + ": " + e.getMessage(), e);
    }
  }

  /** Bytes in the log. */
  public long size() {
    return size;
  }

  /**
   * Replaces the log with one holding only {@code live} (compaction), atomically: a crash leaves
   * the old log or the new one.
   */
  public void rewrite(List<Entry> live) {
    try {
      channel.close();
      AtomicFiles.write(file, out -> {
        out.write(ByteBuffer.allocate(HEADER).putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).array());
        for (Entry e : live) {
          byte[] p = encode(e);
          CRC32C c = new CRC32C();
          c.update(p);
          out.write(ByteBuffer.allocate(8).putInt(p.length).putInt((int) c.getValue()).array());
          out.write(p);
        }
        out.flush();
      });
      channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      size = channel.size();
    } catch (IOException e) {
      throw DwException.unavailable("cannot rewrite document log " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw DwException.unavailable("cannot close document log " + file + ": " + e.getMessage(), e);
    }
  }
}
