package io.datawarehouse.intelligence.memory.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.json.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The binary form of a {@link MemoryRecord}, as stored in RocksDB and in sort spill files.
 *
 * <h2>Format, version 1</h2>
 * All integers little-endian; a "string" is an int byte length and UTF-8 bytes; an "instant" is a
 * long epoch second and an int nanosecond.
 * <pre>
 *   byte    format version (1)
 *   string  id
 *   byte    tier code
 *   string  scope
 *   string  content type
 *   double  importance
 *   byte    flags: 1 has created, 2 has last accessed, 4 has expiry
 *   instant created, instant last accessed, instant expiry (epoch 0 where absent)
 *   long    access count
 *   long    version
 *   int     tag count; string each
 *   int     metadata count; string key and string JSON value each
 *   int     embedding dimension (0: none); float each
 *   int     content length; content bytes
 *   int     CRC32C of every byte before it
 * </pre>
 * {@link #decode} checks the version, the checksum, and that the stored id is the id expected (a
 * value under the wrong key is damage too); any mismatch is INTEGRITY naming the source and id.
 * Adding a field means format version 2 with this reader kept.
 */
public final class RecordCodec {
  public static final int VERSION = 1;

  private static final byte[][] NONE = new byte[0][];
  private static final byte[] DEFAULT_CONTENT_TYPE = utf8(MemoryRecord.DEFAULT_CONTENT_TYPE);

  private RecordCodec() {}

  /** Encodes a record (stored, or not yet stamped: absent times are kept absent). */
  public static byte[] encode(MemoryRecord r) {
    return encode(r, utf8(r.id()));
  }

  /** {@link #encode(MemoryRecord)} given the record's id already in UTF-8 (the caller's key). */
  public static byte[] encode(MemoryRecord r, byte[] id) {
    byte[] scope = utf8(r.scope());
    byte[] ct = r.contentType() == MemoryRecord.DEFAULT_CONTENT_TYPE ? DEFAULT_CONTENT_TYPE : utf8(r.contentType());
    int size = 1 + 4 + id.length + 1 + 4 + scope.length + 4 + ct.length + 8 + 1 + 36 + 8 + 8 + 4 + 4 + 4 + 4 + 4;
    // arrays, and no iterator over empty collections: this runs once per write
    Set<String> tagSet = r.tags();
    byte[][] tags = tagSet.isEmpty() ? NONE : new byte[tagSet.size()][];
    int n = 0;
    if (tags.length > 0) {
      for (String t : tagSet) {
        byte[] b = utf8(t);
        tags[n++] = b;
        size += 4 + b.length;
      }
    }
    Map<String, JsonNode> mdMap = r.metadata();
    byte[][] md = mdMap.isEmpty() ? NONE : new byte[2 * mdMap.size()][];
    if (md.length > 0) {
      n = 0;
      for (Map.Entry<String, JsonNode> e : mdMap.entrySet()) {
        byte[] k = utf8(e.getKey());
        byte[] v = Json.toBytes(e.getValue());
        md[n++] = k;
        md[n++] = v;
        size += 8 + k.length + v.length;
      }
    }
    float[] emb = r.embedding();
    size += emb == null ? 0 : 4 * emb.length;
    ByteBuffer content = r.contentBuffer();
    size += content.remaining();
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) VERSION);
    put(b, id);
    b.put(r.tier().code());
    put(b, scope);
    put(b, ct);
    b.putDouble(r.importance());
    b.put((byte) ((r.createdAt() == null ? 0 : 1) | (r.lastAccessedAt() == null ? 0 : 2) | (r.expiresAt() == null ? 0 : 4)));
    instant(b, r.createdAt());
    instant(b, r.lastAccessedAt());
    instant(b, r.expiresAt());
    b.putLong(r.accessCount());
    b.putLong(r.version());
    b.putInt(tags.length);
    for (byte[] t : tags) {
      put(b, t);
    }
    b.putInt(md.length / 2);
    for (byte[] x : md) {
      put(b, x);
    }
    b.putInt(emb == null ? 0 : emb.length);
    if (emb != null) {
      for (float f : emb) {
        b.putFloat(f);
      }
    }
    b.putInt(content.remaining());
    b.put(content);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * Decodes and verifies.
   *
   * @param expectedId the id the value was found under, or null to skip that check
   * @param source names the store in messages
   */
  public static MemoryRecord decode(byte[] data, String expectedId, String source) {
    try {
      if (data.length < 5) {
        throw new IllegalArgumentException("too short (" + data.length + " bytes)");
      }
      CRC32C crc = new CRC32C();
      crc.update(data, 0, data.length - 4);
      ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
      int stored = b.getInt(data.length - 4);
      if (stored != (int) crc.getValue()) {
        throw DwException.integrity(source + ": memory record " + (expectedId == null ? "" : "'" + expectedId + "' ")
            + "failed its checksum (stored CRC32C " + Integer.toHexString(stored) + ", computed "
            + Long.toHexString(crc.getValue()) + ")");
      }
      int version = b.get();
      if (version != VERSION) {
        throw DwException.integrity(source + ": memory record " + (expectedId == null ? "" : "'" + expectedId + "' ")
            + "has format version " + version + "; this build reads version " + VERSION);
      }
      String id = str(b);
      if (expectedId != null && !expectedId.equals(id)) {
        throw DwException.integrity(source + ": the value under key '" + expectedId + "' is the record of '" + id + "'");
      }
      MemoryRecord.Builder rb = MemoryRecord.builder(id);
      rb.tier(MemoryTier.fromCode(b.get()));
      rb.scope(str(b));
      rb.contentType(str(b));
      rb.importance(b.getDouble());
      int flags = b.get();
      Instant created = instant(b);
      Instant accessed = instant(b);
      Instant expiry = instant(b);
      rb.createdAt((flags & 1) != 0 ? created : null);
      rb.lastAccessedAt((flags & 2) != 0 ? accessed : null);
      rb.expiresAt((flags & 4) != 0 ? expiry : null);
      rb.accessCount(b.getLong());
      rb.version(b.getLong());
      int nt = count(b);
      List<String> tags = new ArrayList<>(nt);
      for (int i = 0; i < nt; i++) {
        tags.add(str(b));
      }
      rb.tags(tags);
      int nm = count(b);
      Map<String, JsonNode> md = new LinkedHashMap<>();
      for (int i = 0; i < nm; i++) {
        String k = str(b);
        md.put(k, Json.tree(bytes(b), "metadata '" + k + "'"));
      }
      rb.metadata(md);
      int dim = count(b);
      if (dim > 0) {
        float[] e = new float[dim];
        for (int i = 0; i < dim; i++) {
          e[i] = b.getFloat();
        }
        rb.embedding(e);
      }
      rb.content(bytes(b));
      if (b.remaining() != 4) {
        throw new IllegalArgumentException(b.remaining() - 4 + " unexpected bytes after the content");
      }
      return rb.build();
    } catch (DwException e) {
      if (e.code() == io.datawarehouse.sdk.ErrorCode.INTEGRITY) {
        throw e;
      }
      throw corrupt(source, expectedId, e);
    } catch (RuntimeException e) {
      throw corrupt(source, expectedId, e);
    }
  }

  private static DwException corrupt(String source, String id, Exception e) {
    return DwException.integrity(source + ": memory record " + (id == null ? "" : "'" + id + "' ") + "cannot be decoded: "
        + e.getMessage(), e);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void put(ByteBuffer b, byte[] x) {
    b.putInt(x.length).put(x);
  }

  private static void instant(ByteBuffer b, Instant at) {
    Instant t = at == null ? Instant.EPOCH : at;
    b.putLong(t.getEpochSecond()).putInt(t.getNano());
  }

  private static Instant instant(ByteBuffer b) {
    long s = b.getLong();
    int n = b.getInt();
    return Instant.ofEpochSecond(s, n);
  }

  private static int count(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("bad length " + n + " with " + b.remaining() + " bytes left");
    }
    return n;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] x = new byte[count(b)];
    b.get(x);
    return x;
  }

  private static String str(ByteBuffer b) {
    return new String(bytes(b), StandardCharsets.UTF_8);
  }
}
