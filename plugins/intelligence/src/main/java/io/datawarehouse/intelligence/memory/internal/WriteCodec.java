package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryWrite;
import io.datawarehouse.sdk.DwException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link MemoryWrite}s as journal payloads for the provider pattern: a type byte (1 store, 2
 * delete, 3 touch), then for a store each record as a length-prefixed {@link RecordCodec} frame
 * (checksummed), for a delete or touch the ids (and the touch's instant). The journal adds its own
 * per-record checksum around this.
 */
public final class WriteCodec {
  private WriteCodec() {}

  public static byte[] encode(MemoryWrite w) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      switch (w) {
        case MemoryWrite.Store s -> {
          out.writeByte(1);
          out.writeInt(s.records().size());
          for (MemoryRecord r : s.records()) {
            byte[] b = RecordCodec.encode(r);
            out.writeInt(b.length);
            out.write(b);
          }
        }
        case MemoryWrite.Delete d -> {
          out.writeByte(2);
          ids(out, d.ids());
        }
        case MemoryWrite.Touch t -> {
          out.writeByte(3);
          out.writeLong(t.at().getEpochSecond());
          out.writeInt(t.at().getNano());
          ids(out, t.ids());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void ids(DataOutputStream out, List<String> ids) throws IOException {
    out.writeInt(ids.size());
    for (String id : ids) {
      byte[] b = id.getBytes(StandardCharsets.UTF_8);
      out.writeInt(b.length);
      out.write(b);
    }
  }

  /** Decodes; INTEGRITY naming {@code source} when the payload is damaged. */
  public static MemoryWrite decode(byte[] payload, String source) {
    try {
      ByteBuffer b = ByteBuffer.wrap(payload);
      int type = b.get();
      return switch (type) {
        case 1 -> {
          int n = b.getInt();
          List<MemoryRecord> rs = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            byte[] x = new byte[b.getInt()];
            b.get(x);
            rs.add(RecordCodec.decode(x, null, source));
          }
          yield new MemoryWrite.Store(rs);
        }
        case 2 -> new MemoryWrite.Delete(ids(b));
        case 3 -> {
          Instant at = Instant.ofEpochSecond(b.getLong(), b.getInt());
          yield new MemoryWrite.Touch(ids(b), at);
        }
        default -> throw new IllegalArgumentException("unknown write type " + type);
      };
    } catch (DwException e) {
      throw e;
    } catch (RuntimeException e) {
      throw DwException.integrity(source + ": a journaled memory write cannot be decoded: " + e.getMessage(), e);
    }
  }

  private static List<String> ids(ByteBuffer b) {
    int n = b.getInt();
    List<String> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] x = new byte[b.getInt()];
      b.get(x);
      ids.add(new String(x, StandardCharsets.UTF_8));
    }
    return ids;
  }
}
