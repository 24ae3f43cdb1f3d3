package io.datawarehouse.sdk.provider;

import io.datawarehouse.sdk.DwException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One write, described so that it can be journaled and applied later: a type chosen by the plugin
 * ("put", "delete"), a key, a payload, and an idempotency key that stays the same however often
 * the write is applied. An {@link ResilientBackend.Applier} must make applying the same record
 * twice have the effect of applying it once (for example by writing the idempotency key in the same
 * transaction, or because the write is naturally idempotent like a SET of a whole value).
 *
 * @param seq the journal sequence number (0 for a write applied directly, never journaled)
 * @param idempotencyKey unique for this write, stable across retries and replays
 * @param type what kind of write
 * @param key what it writes to (for logs and for the plugin)
 * @param payload the write's data
 */
public record JournalRecord(long seq, String idempotencyKey, String type, String key, byte[] payload) {

  public JournalRecord {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(payload, "payload");
  }

  /** The record's size as counted against fallback limits. */
  public long sizeBytes() {
    return payload.length + key.length() + type.length() + 32L;
  }

  byte[] encode() {
    byte[] t = type.getBytes(StandardCharsets.UTF_8);
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] i = idempotencyKey.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(12 + t.length + k.length + i.length + payload.length);
    b.putInt(t.length).put(t).putInt(k.length).put(k).putInt(i.length).put(i).put(payload);
    return b.array();
  }

  static JournalRecord decode(long seq, byte[] bytes, String source) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      String t = str(b);
      String k = str(b);
      String i = str(b);
      byte[] p = new byte[b.remaining()];
      b.get(p);
      return new JournalRecord(seq, i, t, k, p);
    } catch (RuntimeException e) {
      throw DwException.integrity(source + ": journal record " + seq + " cannot be decoded: " + e.getMessage(), e);
    }
  }

  private static String str(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("bad string length " + n);
    }
    byte[] x = new byte[n];
    b.get(x);
    return new String(x, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "JournalRecord[seq=" + seq + ", type=" + type + ", key=" + key + ", " + payload.length + " bytes]";
  }
}
