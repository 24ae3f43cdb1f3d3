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
 * storage would; {@code action} state, extend and legalHold of a stored object, refusing to shorten
 * or weaken a retention, and shorten, the governance bypass, unless {@link #bypassAllowed} is off), {@code storage.read} (ranges) and {@code storage.stat}. Every {@code
 * storage.write.worm} request that reaches it is logged in arrival order; {@link #unavailable} makes every request
 * fail with UNAVAILABLE (nothing logged, nothing stored), as a storage plugin whose cloud is down.
 */
final class FakeStorage implements AutoCloseable {
  /** A stored object and the WORM settings it was written with. */
  record Stored(byte[] bytes, String sha256, String mode, String retainUntil, boolean legalHold) {}

  final Map<String, Stored> objects;
  final AtomicInteger writeRequests = new AtomicInteger();
  /** The storage.write.worm requests that reached it (answered or refused), in order. */
  final List<JsonNode> log = new java.util.concurrent.CopyOnWriteArrayList<>();
  volatile boolean unavailable;
  /** Whether action shorten is allowed (a store configured with governanceBypass). */
  volatile boolean bypassAllowed = true;
  /** Puts are stored, then answered with UNAVAILABLE, as when the reply is lost on the way back. */
  volatile boolean loseReplies;
  /** Keys whose puts are refused for good (FAILED_PRECONDITION), as by a bucket without Object Lock. */
  final java.util.Set<String> refusePuts = ConcurrentHashMap.newKeySet();
  private final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();
  private final List<Subscription> subs = new ArrayList<>();

  FakeStorage(MessageBus bus) {
    this(bus, new ConcurrentHashMap<>());
  }

  /** A responder over {@code objects}, which outlive it (the cloud across a restart of the node). */
  FakeStorage(MessageBus bus, Map<String, Stored> objects) {
    this.objects = objects;
    subs.add(bus.subscribe("storage.write.worm", m -> {
      checkAvailable();
      JsonNode q = m.jsonTree();
      log.add(q);
      boolean put = !q.has("action") || q.path("action").asText().equals("put");
      if (put && refusePuts.contains(q.path("key").asText())) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "the store refuses WORM writes of " + q.path("key").asText());
      }
      Object reply = put ? write(q) : manage(q);
      if (put && loseReplies) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "the reply was lost (test)");
      }
      return Message.replyTo(m).json(reply).build();
    }));
    subs.add(bus.subscribe("storage.read", m -> {
      checkAvailable();
      return Message.replyTo(m).json(read(m.jsonTree())).build();
    }));
    subs.add(bus.subscribe("storage.stat", m -> {
      checkAvailable();
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

  private void checkAvailable() {
    if (unavailable) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "the cloud is unreachable (test)");
    }
  }

  /** action state, extend, legalHold: as the storage plugin's local WORM store answers them. */
  private synchronized Object manage(JsonNode q) {
    String key = q.path("key").asText();
    Stored s = objects.get(key);
    if (s == null) {
      throw DwException.notFound("no object '" + key + "'");
    }
    switch (q.path("action").asText()) {
      case "state" -> { }
      case "legalHold" -> s = new Stored(s.bytes(), s.sha256(), s.mode(), s.retainUntil(), q.path("legalHold").asBoolean());
      case "extend" -> {
        String mode = q.path("retention").path("mode").asText();
        java.time.Instant until = java.time.Instant.parse(q.path("retention").path("retainUntil").asText());
        if (until.isBefore(java.time.Instant.parse(s.retainUntil()))) {
          throw DwException.of(ErrorCode.RETENTION_LOCKED, key + " is retained until " + s.retainUntil() + "; not shortened to " + until);
        }
        if (s.mode().equals("COMPLIANCE") && !mode.equals("COMPLIANCE")) {
          throw DwException.of(ErrorCode.RETENTION_LOCKED, key + " has a COMPLIANCE retention");
        }
        s = new Stored(s.bytes(), s.sha256(), mode, until.toString(), s.legalHold());
      }
      case "shorten" -> {
        if (!q.path("bypassGovernanceRetention").asBoolean(false) || !"GOVERNANCE".equals(q.path("retention").path("mode").asText())) {
          throw DwException.invalidArgument("shorten needs bypassGovernanceRetention: true and a GOVERNANCE retention");
        }
        if (!bypassAllowed) {
          throw DwException.of(ErrorCode.PERMISSION_DENIED, "store does not allow shortening governance retentions");
        }
        if (s.mode().equals("COMPLIANCE")) {
          throw DwException.of(ErrorCode.RETENTION_LOCKED, key + " has a COMPLIANCE retention");
        }
        s = new Stored(s.bytes(), s.sha256(), "GOVERNANCE", q.path("retention").path("retainUntil").asText(), s.legalHold());
      }
      default -> throw DwException.invalidArgument("unknown action " + q.path("action").asText());
    }
    objects.put(key, s);
    return Map.of("store", q.path("store").asText(), "key", key, "mode", s.mode(), "retainUntil", s.retainUntil(),
        "legalHold", s.legalHold());
  }

  /**
   * The logged requests as {@code put}, {@code legalHold:true|false}, {@code extend:<retainUntil>}
   * or {@code shorten:<retainUntil>}, for {@code key}.
   */
  List<String> actions(String key) {
    return log.stream().filter(q -> q.path("key").asText().equals(key))
        .filter(q -> !q.has("upload") || q.path("upload").path("last").asBoolean())
        .map(q -> switch (q.path("action").asText("put")) {
          case "legalHold" -> "legalHold:" + q.path("legalHold").asBoolean();
          case "extend" -> "extend:" + q.path("retention").path("retainUntil").asText();
          case "shorten" -> "shorten:" + q.path("retention").path("retainUntil").asText();
          default -> q.path("action").asText("put");
        })
        .toList();
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
