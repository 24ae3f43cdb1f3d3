package io.datawarehouse.storage.local;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.storage.Retention;
import io.datawarehouse.storage.RetentionMode;
import io.datawarehouse.storage.WormState;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The on-disk format of one object of the local store: the content between a small header and a
 * footer that carries the metadata, so the whole object is one file and one atomic rename commits
 * it.
 *
 * <pre>
 *   0        u32 magic "DWOB"   u16 version (2; 1 in old objects)   u16 reserved (0)
 *   8        content (size bytes)
 *   8+size   metadata: binary {@link Meta} (version 2, below) or UTF-8 JSON of it (version 1)
 *   end-16   u32 metadata length   u32 CRC32C of the metadata
 *            u16 version   u16 reserved   u32 magic "DWOB"
 * </pre>
 *
 * Big-endian; header and footer carry the same version. Version 2 metadata, field by field (a
 * string is an i32 byte length, -1 for null, then UTF-8; an instant is i64 epoch seconds then i32
 * nanoseconds):
 *
 * <pre>
 *   key: string   id: string   size: i64   sha256: string (lower-case hex)   contentType: string
 *   metadata: i32 count, then count pairs of strings (name, value)
 *   created: instant
 *   retention: u8 (0 none, 1 COMPLIANCE, 2 GOVERNANCE), then retainUntil: instant unless none
 *   legalHold: u8 (0 or 1)
 * </pre>
 *
 * Version 1 (JSON metadata) is what the store wrote before; it is still read, and never written.
 * Version 2 exists because parsing the JSON (Jackson, ISO-8601 instants) cost more than reading a
 * small object's bytes; the binary form is read with a few buffer gets.
 *
 * <p>The content is covered by the SHA-256 in the metadata, checked on full reads; the metadata by
 * its CRC32C, checked on every open. The WORM state changed after the put (extended retention,
 * legal hold) lives in a {@code @w} sidecar ({@link FramedFile} "DWOW") that names the object id
 * it applies to, so a sidecar left from an older object at the same key is ignored.
 */
final class ObjectFile {
  static final int MAGIC = FramedFile.magic("DWOB");
  static final int WORM_MAGIC = FramedFile.magic("DWOW");
  /** The version written. */
  static final int VERSION = 2;
  /** The JSON-footer version, still read. */
  static final int VERSION_JSON = 1;
  static final int HEADER = 8;
  static final int FOOTER = 16;
  static final int MAX_META = 64 * 1024;
  /** How much of the file's end one read fetches, so the footer and usual metadata cost one read. */
  private static final int TAIL = 4096;

  private ObjectFile() {}

  /** The metadata kept in the footer. */
  record Meta(
      String key,
      String id,
      long size,
      String sha256,
      String contentType,
      Map<String, String> metadata,
      Instant created,
      RetentionMode retentionMode,
      Instant retainUntil,
      boolean legalHold) {
    WormState worm() {
      return new WormState(retentionMode == null ? null : new Retention(retentionMode, retainUntil), legalHold);
    }
  }

  /** The WORM sidecar's body. */
  record WormSidecar(String id, RetentionMode retentionMode, Instant retainUntil, boolean legalHold) {
    WormState state() {
      return new WormState(retentionMode == null ? null : new Retention(retentionMode, retainUntil), legalHold);
    }
  }

  /**
   * An object file's checked metadata and, when the whole file was read, its bytes.
   *
   * @param meta the metadata
   * @param whole the whole file (content at {@link #HEADER}), or null when only header and footer
   *     were read
   */
  record Opened(Meta meta, byte[] whole) {}

  static ByteBuffer header() {
    return header(VERSION);
  }

  static ByteBuffer header(int version) {
    return ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN).putInt(MAGIC).putShort((short) version)
        .putShort((short) 0).flip();
  }

  /** Metadata and footer in the current version. */
  static ByteBuffer trailer(Meta meta) {
    return trailer(meta, VERSION);
  }

  /** Metadata and footer in {@code version} (1 only to make old objects in tests). */
  static ByteBuffer trailer(Meta meta, int version) {
    byte[] body = version == VERSION_JSON ? Json.toBytes(meta) : encode(meta);
    CRC32C crc = new CRC32C();
    crc.update(body);
    return ByteBuffer.allocate(body.length + FOOTER).order(ByteOrder.BIG_ENDIAN).put(body).putInt(body.length)
        .putInt((int) crc.getValue()).putShort((short) version).putShort((short) 0).putInt(MAGIC).flip();
  }

  /** Reads and checks the header and footer of an open object file. */
  static Meta readMeta(FileChannel ch, Path file) throws IOException {
    return open(ch, file, 0).meta();
  }

  /**
   * Reads and checks the header and footer of an open object file; a file of at most {@code
   * wholeLimit} bytes is read whole, in one read, and returned with its metadata.
   */
  static Opened open(FileChannel ch, Path file, int wholeLimit) throws IOException {
    long fileSize = ch.size();
    if (fileSize < HEADER + FOOTER) {
      throw DwException.integrity(file + ": object file too short (" + fileSize + " bytes)");
    }
    if (fileSize <= wholeLimit) {
      byte[] all = new byte[(int) fileSize];
      if (!AtomicFiles.readFully(ch, ByteBuffer.wrap(all), 0)) {
        throw DwException.integrity(file + ": object file shrank while being read");
      }
      int version = checkHeader(file, ByteBuffer.wrap(all, 0, HEADER));
      ByteBuffer footer = ByteBuffer.wrap(all, all.length - FOOTER, FOOTER);
      int[] lenCrc = checkFooter(file, footer, version, fileSize);
      ByteBuffer meta = ByteBuffer.wrap(all, all.length - FOOTER - lenCrc[0], lenCrc[0]).slice();
      return new Opened(decodeChecked(file, meta, lenCrc[1], version, fileSize - HEADER - FOOTER - lenCrc[0]), all);
    }
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    readAt(ch, file, h, 0);
    int version = checkHeader(file, h.flip());
    int tailLen = (int) Math.min(TAIL, fileSize - HEADER);
    ByteBuffer tail = ByteBuffer.allocate(tailLen);
    readAt(ch, file, tail, fileSize - tailLen);
    tail.flip();
    int[] lenCrc = checkFooter(file, tail.slice(tailLen - FOOTER, FOOTER), version, fileSize);
    int metaLen = lenCrc[0];
    ByteBuffer meta;
    if (metaLen + FOOTER <= tailLen) {
      meta = tail.slice(tailLen - FOOTER - metaLen, metaLen);
    } else {
      meta = ByteBuffer.allocate(metaLen);
      readAt(ch, file, meta, fileSize - FOOTER - metaLen);
      meta.flip();
    }
    return new Opened(decodeChecked(file, meta, lenCrc[1], version, fileSize - HEADER - FOOTER - metaLen), null);
  }

  private static void readAt(FileChannel ch, Path file, ByteBuffer buf, long pos) throws IOException {
    if (!AtomicFiles.readFully(ch, buf, pos)) {
      throw DwException.integrity(file + ": object file shrank while being read");
    }
  }

  /** The version the header names. */
  private static int checkHeader(Path file, ByteBuffer h) {
    h.order(ByteOrder.BIG_ENDIAN);
    int hm = h.getInt();
    int hv = Short.toUnsignedInt(h.getShort());
    if (hm != MAGIC || (hv != VERSION && hv != VERSION_JSON)) {
      throw DwException.integrity(String.format("%s: header mismatch: actual magic=0x%08x version=%d vs expected "
          + "magic=0x%08x version=%d or %d", file, hm, hv, MAGIC, VERSION_JSON, VERSION));
    }
    return hv;
  }

  /** {metadata length, CRC32C} from the footer. */
  private static int[] checkFooter(Path file, ByteBuffer f, int headerVersion, long fileSize) {
    f.order(ByteOrder.BIG_ENDIAN);
    int metaLen = f.getInt();
    int crc = f.getInt();
    int version = Short.toUnsignedInt(f.getShort());
    f.getShort();
    int magic = f.getInt();
    if (magic != MAGIC || version != headerVersion) {
      throw DwException.integrity(String.format("%s: footer mismatch: actual magic=0x%08x version=%d vs expected "
          + "magic=0x%08x version=%d (the header's; truncated or not an object file)", file, magic, version, MAGIC,
          headerVersion));
    }
    if (metaLen < 2 || metaLen > MAX_META || metaLen > fileSize - HEADER - FOOTER) {
      throw DwException.integrity(file + ": metadata length " + metaLen + " does not fit the file of " + fileSize + " bytes");
    }
    return new int[] {metaLen, crc};
  }

  private static Meta decodeChecked(Path file, ByteBuffer m, int crc, int version, long contentSize) {
    CRC32C c = new CRC32C();
    c.update(m.duplicate());
    if ((int) c.getValue() != crc) {
      throw DwException.integrity(String.format("%s: metadata checksum mismatch: actual CRC32C=0x%08x vs stored 0x%08x",
          file, (int) c.getValue(), crc));
    }
    Meta meta;
    if (version == VERSION_JSON) {
      byte[] json = new byte[m.remaining()];
      m.duplicate().get(json);
      meta = Json.fromBytes(json, Meta.class, file.toString());
    } else {
      meta = decode(file, m.duplicate().order(ByteOrder.BIG_ENDIAN));
    }
    if (meta.size() != contentSize) {
      throw DwException.integrity(file + ": content is " + contentSize + " bytes but the metadata says " + meta.size());
    }
    return meta;
  }

  // ---------------------------------------------------------------- binary metadata (version 2)

  private static final int NONE = 0;

  static byte[] encode(Meta m) {
    Writer w = new Writer();
    w.string(m.key());
    w.string(m.id());
    w.buf.putLong(m.size());
    w.string(m.sha256());
    w.string(m.contentType());
    Map<String, String> md = m.metadata() == null ? Map.of() : m.metadata();
    w.ensure(4);
    w.buf.putInt(md.size());
    for (Map.Entry<String, String> e : md.entrySet()) {
      w.string(e.getKey());
      w.string(e.getValue());
    }
    w.instant(m.created());
    w.ensure(1);
    if (m.retentionMode() == null) {
      w.buf.put((byte) NONE);
    } else {
      w.buf.put((byte) (m.retentionMode() == RetentionMode.COMPLIANCE ? 1 : 2));
      w.instant(m.retainUntil());
    }
    w.ensure(1);
    w.buf.put((byte) (m.legalHold() ? 1 : 0));
    return java.util.Arrays.copyOf(w.buf.array(), w.buf.position());
  }

  private static final class Writer {
    ByteBuffer buf = ByteBuffer.allocate(512);

    void ensure(int n) {
      if (buf.remaining() < n) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
        buf.flip();
        b.put(buf);
        buf = b;
      }
    }

    void string(String s) {
      if (s == null) {
        ensure(4);
        buf.putInt(-1);
        return;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      ensure(4 + b.length + 8);
      buf.putInt(b.length).put(b);
    }

    void instant(Instant t) {
      ensure(12);
      buf.putLong(t.getEpochSecond()).putInt(t.getNano());
    }
  }

  private static Meta decode(Path file, ByteBuffer b) {
    try {
      String key = string(b);
      String id = string(b);
      long size = b.getLong();
      String sha = string(b);
      String contentType = string(b);
      int n = b.getInt();
      if (n < 0 || n > b.remaining() / 8) {
        throw new IllegalArgumentException("metadata count " + n);
      }
      Map<String, String> md = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        md.put(string(b), string(b));
      }
      Instant created = instant(b);
      int mode = b.get();
      RetentionMode rm = switch (mode) {
        case NONE -> null;
        case 1 -> RetentionMode.COMPLIANCE;
        case 2 -> RetentionMode.GOVERNANCE;
        default -> throw new IllegalArgumentException("retention mode code " + mode);
      };
      Instant until = rm == null ? null : instant(b);
      int hold = b.get();
      if (hold != 0 && hold != 1) {
        throw new IllegalArgumentException("legal hold byte " + hold);
      }
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " bytes after the last field");
      }
      if (key == null || id == null || sha == null || created == null) {
        throw new IllegalArgumentException("a required field (key, id, sha256, created) is missing");
      }
      return new Meta(key, id, size, sha, contentType, md, created, rm, until, hold == 1);
    } catch (BufferUnderflowException | IllegalArgumentException | DateTimeException e) {
      throw DwException.integrity(file + ": metadata cannot be decoded: "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
  }

  private static String string(ByteBuffer b) {
    int len = b.getInt();
    if (len == -1) {
      return null;
    }
    if (len < 0 || len > b.remaining()) {
      throw new IllegalArgumentException("string length " + len);
    }
    String s = new String(b.array(), b.arrayOffset() + b.position(), len, StandardCharsets.UTF_8);
    b.position(b.position() + len);
    return s; // the CRC32C already vouches for the bytes
  }

  private static Instant instant(ByteBuffer b) {
    long s = b.getLong();
    int nanos = b.getInt();
    if (nanos < 0 || nanos > 999_999_999) {
      throw new IllegalArgumentException("nanoseconds " + nanos);
    }
    return Instant.ofEpochSecond(s, nanos);
  }
}
