package io.datawarehouse.intelligence.memory;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Durations;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The JSON bodies of the {@code intelligence.memory.*} topics. Field names are the wire contract
 * (documented in the plugin README); unknown fields are INVALID_ARGUMENT naming them; absent
 * optional fields are null and take the documented defaults.
 */
public final class MemoryMessages {
  private MemoryMessages() {}

  public static final String PUT = "intelligence.memory.put";
  public static final String GET = "intelligence.memory.get";
  public static final String QUERY = "intelligence.memory.query";
  public static final String DELETE = "intelligence.memory.delete";
  public static final String STATS = "intelligence.memory.stats";

  /**
   * A record on the wire. Content is {@code content} (UTF-8 text) or {@code contentBase64} (bytes),
   * never both; replies use {@code content} when the bytes are valid UTF-8. On a put, {@code ttl}
   * ("10m", "PT1H") is an alternative to {@code expiresAt}; {@code version} makes the put an
   * optimistic update of that version; {@code contentHash}, when given, must match the content.
   */
  public record WireRecord(String id, String content, String contentBase64, String tier, String scope, float[] embedding,
      Map<String, JsonNode> metadata, List<String> tags, String contentType, Double importance, Instant createdAt,
      Instant lastAccessedAt, Long accessCount, Instant expiresAt, String ttl, Long version, String contentHash) {

    /** The wire form of a stored record; content left out when {@code withContent} is false. */
    public static WireRecord of(MemoryRecord r, boolean withContent) {
      String text = null;
      String b64 = null;
      if (withContent) {
        text = utf8OrNull(r.content());
        b64 = text == null ? Base64.getEncoder().encodeToString(r.content()) : null;
      }
      return new WireRecord(r.id(), text, b64, r.tier().wire(), r.scope(), r.embedding(), r.metadata(), List.copyOf(r.tags()),
          r.contentType(), r.importance(), r.createdAt(), r.lastAccessedAt(), r.accessCount(), r.expiresAt(), null,
          r.version(), r.contentHash());
    }

    /** The record this wire form describes, expiry from {@code ttl} counted from {@code now}. */
    public MemoryRecord toRecord(Instant now) {
      if (content != null && contentBase64 != null) {
        throw DwException.invalidArgument("record '" + id + "': give content or contentBase64, not both");
      }
      if (ttl != null && expiresAt != null) {
        throw DwException.invalidArgument("record '" + id + "': give ttl or expiresAt, not both");
      }
      MemoryRecord.Builder b = MemoryRecord.builder(id);
      if (content != null) {
        b.content(content);
      } else if (contentBase64 != null) {
        try {
          b.content(Base64.getDecoder().decode(contentBase64));
        } catch (IllegalArgumentException e) {
          throw DwException.invalidArgument("record '" + id + "': contentBase64 is not base64: " + e.getMessage());
        }
      }
      if (tier != null) {
        b.tier(MemoryTier.parse(tier));
      }
      if (scope != null) {
        b.scope(scope);
      }
      b.embedding(embedding);
      if (metadata != null) {
        b.metadata(metadata);
      }
      if (tags != null) {
        b.tags(tags);
      }
      if (contentType != null) {
        b.contentType(contentType);
      }
      if (importance != null) {
        b.importance(importance);
      }
      b.createdAt(createdAt).lastAccessedAt(lastAccessedAt);
      if (accessCount != null) {
        b.accessCount(accessCount);
      }
      if (ttl != null) {
        var d = Durations.parse(ttl);
        if (d.isZero() || d.isNegative()) {
          throw DwException.invalidArgument("record '" + id + "': ttl must be positive, was " + ttl);
        }
        b.expiresAt(now.plus(d));
      } else {
        b.expiresAt(expiresAt);
      }
      if (version != null) {
        b.version(version);
      }
      MemoryRecord r = b.build();
      if (contentHash != null && !contentHash.equalsIgnoreCase(r.contentHash())) {
        throw DwException.integrity("record '" + id + "': contentHash " + contentHash + " does not match the content (SHA-256 "
            + r.contentHash() + "); the content was damaged on the way");
      }
      return r;
    }
  }

  private static String utf8OrNull(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** {@code intelligence.memory.put}: records stored as one batch, or one optimistic update. */
  public record PutRequest(List<WireRecord> records) {}

  /** What a put stored. */
  public record Stored(String id, long version, String contentHash, Instant createdAt) {}

  public record PutReply(List<Stored> records) {}

  /** {@code intelligence.memory.get}: records by id; {@code touch} (default false) records the access. */
  public record GetRequest(List<String> ids, Boolean touch) {}

  public record GetReply(List<WireRecord> records, List<String> missing) {}

  /**
   * {@code intelligence.memory.query}: the fields of {@link MemoryQuery}; {@code limit} default 100,
   * at most 10,000; {@code includeContent} default true. The reply stops early when it would pass
   * the bus's payload limit: {@code truncated} is then true and {@code nextSkip} is the skip of the
   * next page.
   */
  public record QueryRequest(List<String> tiers, List<String> scopes, List<String> tagsAny, List<String> tagsAll,
      Double minImportance, Double maxImportance, Instant createdFrom, Instant createdTo, Instant accessedFrom,
      Instant accessedTo, String contentType, Map<String, JsonNode> metadata, String sort, String direction, Long skip,
      Long limit, Boolean includeExpired, Boolean includeContent) {}

  public record QueryReply(List<WireRecord> records, long total, boolean truncated, Long nextSkip) {}

  /** {@code intelligence.memory.delete}. */
  public record DeleteRequest(List<String> ids) {}

  public record DeleteReply(int deleted) {}

  /** {@code intelligence.memory.stats} reply (the request body is empty or {}). */
  public record StatsReply(String backend, String status, String message, List<Capability> capabilities,
      BackendStatistics statistics) {}
}
