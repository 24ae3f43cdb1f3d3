package io.datawarehouse.tamperproof;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.json.Json;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A storage plugin's WORM responder for tests, on a real bus: {@code storage.write.worm} (parts
 * assembled per upload, the whole checked against its SHA-256, an existing key refused as WORM
 * storage would), {@code storage.read} (ranges) and {@code storage.stat}.
 */
final class FakeStorage implements AutoCloseable {
  /** A stored object and the WORM settings it was written with. */
  record Stored(byte[] bytes, String sha256, String mode, String retainUntil, boolean legalHold) {}

  final Map<String, Stored> objects = new ConcurrentHashMap<>();
  final AtomicInteger writeRequests = new AtomicInteger();
  private final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();
  private final List<Subscription> subs = new ArrayList<>();

  FakeStorage(MessageBus bus) {
    subs.add(bus.subscribe("storage.write.worm", m -> Message.replyTo(m).json(write(m.jsonTree())).build()));
    subs.add(bus.subscribe("storage.read", m -> Message.replyTo(m).json(read(m.jsonTree())).build()));
    subs.add(bus.subscribe("storage.stat", m -> {
      Stored s = objects.get(m.jsonTree().path("key").asText());
      if (s == null) {
        throw DwException.notFound("no object " + m.jsonTree().path("key").asText());
      }
      return Message.replyTo(m).json(Map.of("size", s.bytes().length, "sha256", s.sha256())).build();
    }));
  }

  private Object write(JsonNode q) {
    writeRequests.incrementAndGet();
    String key = q.path("key").asText();
    if (objects.containsKey(key)) {
      throw DwException.of(ErrorCode.RETENTION_LOCKED, "object " + key + " exists and is retained");
    }
    JsonNode upload = q.path("upload");
    String uploadId = upload.isMissingNode() ? "single-" + key : upload.path("id").asText();
    ByteArrayOutputStream buf = uploads.computeIfAbsent(uploadId, u -> new ByteArrayOutputStream());
    synchronized (buf) {
      buf.writeBytes(Base64.getDecoder().decode(q.path("contentBase64").asText()));
      if (!upload.isMissingNode() && !upload.path("last").asBoolean()) {
        return Map.of("uploadId", uploadId, "receivedChunks", upload.path("chunk").asInt() + 1, "receivedBytes", buf.size());
      }
      byte[] all = buf.toByteArray();
      uploads.remove(uploadId);
      String sha = StoreFixture.sha256(all);
      if (!sha.equals(q.path("expectedSha256").asText())) {
        throw DwException.integrity("upload of " + key + " hashes to " + sha + ", not " + q.path("expectedSha256").asText());
      }
      objects.put(key, new Stored(all, sha, q.path("retention").path("mode").asText(),
          q.path("retention").path("retainUntil").asText(), q.path("legalHold").asBoolean()));
      return Map.of("store", q.path("store").asText(), "key", key, "sha256", sha, "size", all.length);
    }
  }

  private Object read(JsonNode q) {
    Stored s = objects.get(q.path("key").asText());
    if (s == null) {
      throw DwException.notFound("no object " + q.path("key").asText());
    }
    int from = (int) Math.min(q.path("offset").asLong(), s.bytes().length);
    int to = (int) Math.min(s.bytes().length, from + q.path("length").asLong());
    return Map.of("offset", from, "length", to - from, "contentBase64",
        Base64.getEncoder().encodeToString(Arrays.copyOfRange(s.bytes(), from, to)), "eof", to == s.bytes().length,
        "nextOffset", to);
  }

  /** Replaces an object's bytes (for a test of a remote copy that does not verify). */
  void corrupt(String key) {
    Stored s = objects.get(key);
    byte[] b = s.bytes().clone();
    b[0] ^= 1;
    objects.put(key, new Stored(b, s.sha256(), s.mode(), s.retainUntil(), s.legalHold()));
  }

  static JsonNode tree(Object o) {
    return Json.mapper().valueToTree(o);
  }

  @Override
  public void close() {
    subs.forEach(Subscription::unsubscribe);
  }
}
