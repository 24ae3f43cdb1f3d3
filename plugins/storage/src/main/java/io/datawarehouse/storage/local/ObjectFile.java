package io.datawarehouse.storage.local;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.storage.Retention;
import io.datawarehouse.storage.RetentionMode;
import io.datawarehouse.storage.WormState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The on-disk format of one object of the local store, version 1: the content between a small
 * header and a footer that carries the metadata, so the whole object is one file and one atomic
 * rename commits it.
 *
 * <pre>
 *   0        u32 magic "DWOB"   u16 version (1)   u16 reserved (0)
 *   8        content (size bytes)
 *   8+size   metadata: UTF-8 JSON of {@link Meta}
 *   end-16   u32 metadata length   u32 CRC32C of the metadata
 *            u16 version (1)   u16 reserved   u32 magic "DWOB"
 * </pre>
 *
 * Big-endian. The content is covered by the SHA-256 in the metadata, checked on full reads; the
 * metadata by its CRC32C, checked on every open. The WORM state changed after the put (extended
 * retention, legal hold) lives in a {@code @w} sidecar ({@link FramedFile} "DWOW") that names the
 * object id it applies to, so a sidecar left from an older object at the same key is ignored.
 */
final class ObjectFile {
  static final int MAGIC = FramedFile.magic("DWOB");
  static final int WORM_MAGIC = FramedFile.magic("DWOW");
  static final int VERSION = 1;
  static final int HEADER = 8;
  static final int FOOTER = 16;
  static final int MAX_META = 64 * 1024;

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

  static ByteBuffer header() {
    return ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN).putInt(MAGIC).putShort((short) VERSION)
        .putShort((short) 0).flip();
  }

  static ByteBuffer trailer(Meta meta) {
    byte[] json = Json.toBytes(meta);
    CRC32C crc = new CRC32C();
    crc.update(json);
    return ByteBuffer.allocate(json.length + FOOTER).order(ByteOrder.BIG_ENDIAN).put(json).putInt(json.length)
        .putInt((int) crc.getValue()).putShort((short) VERSION).putShort((short) 0).putInt(MAGIC).flip();
  }

  /** Reads and checks the header and footer of an open object file. */
  static Meta readMeta(FileChannel ch, Path file) throws IOException {
    long fileSize = ch.size();
    if (fileSize < HEADER + FOOTER) {
      throw DwException.integrity(file + ": object file too short (" + fileSize + " bytes)");
    }
    ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
    AtomicFiles.readFully(ch, h, 0);
    h.flip();
    int hm = h.getInt();
    int hv = Short.toUnsignedInt(h.getShort());
    if (hm != MAGIC || hv != VERSION) {
      throw DwException.integrity(String.format("%s: header mismatch: actual magic=0x%08x version=%d vs expected "
          + "magic=0x%08x version=%d", file, hm, hv, MAGIC, VERSION));
    }
    ByteBuffer f = ByteBuffer.allocate(FOOTER).order(ByteOrder.BIG_ENDIAN);
    AtomicFiles.readFully(ch, f, fileSize - FOOTER);
    f.flip();
    int metaLen = f.getInt();
    int crc = f.getInt();
    int version = Short.toUnsignedInt(f.getShort());
    f.getShort();
    int magic = f.getInt();
    if (magic != MAGIC || version != VERSION) {
      throw DwException.integrity(String.format("%s: footer mismatch: actual magic=0x%08x version=%d vs expected "
          + "magic=0x%08x version=%d (truncated or not an object file)", file, magic, version, MAGIC, VERSION));
    }
    if (metaLen < 2 || metaLen > MAX_META || metaLen > fileSize - HEADER - FOOTER) {
      throw DwException.integrity(file + ": metadata length " + metaLen + " does not fit the file of " + fileSize + " bytes");
    }
    ByteBuffer m = ByteBuffer.allocate(metaLen);
    AtomicFiles.readFully(ch, m, fileSize - FOOTER - metaLen);
    CRC32C c = new CRC32C();
    c.update(m.array());
    if ((int) c.getValue() != crc) {
      throw DwException.integrity(String.format("%s: metadata checksum mismatch: actual CRC32C=0x%08x vs stored 0x%08x",
          file, (int) c.getValue(), crc));
    }
    Meta meta = Json.fromBytes(m.array(), Meta.class, file.toString());
    long contentSize = fileSize - HEADER - FOOTER - metaLen;
    if (meta.size() != contentSize) {
      throw DwException.integrity(file + ": content is " + contentSize + " bytes but the metadata says " + meta.size());
    }
    return meta;
  }
}
