package io.datawarehouse.intelligence.memory;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.intelligence.memory.internal.JsonValues;
import io.datawarehouse.sdk.DwException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One memory: content bytes with what a memory system needs to find, rank and expire it. Immutable
 * and thread-safe; build one with {@link #builder(String)} and change one with {@link #toBuilder()}.
 *
 * <p>Fields a caller sets: id, content, tier, scope, embedding, metadata, tags, content type,
 * importance, expiry. Fields the store keeps: created and last-accessed times (stamped with the
 * store's clock when absent), access count ({@link PersistenceBackend#touch}), version (0 before
 * the first store; every store and update adds one). The {@linkplain #contentHash() content hash}
 * is derived from the content, so it can never disagree with it.
 *
 * <h2>Limits</h2>
 * id 1..512 characters; scope 1..256 characters; at most 64 tags of 1..128 characters each; none
 * of these may contain control characters. Content up to 64 MiB, embedding up to 65,536 finite
 * floats, importance in [0, 1]. Metadata values are any JSON, kept in canonical form (integral
 * numbers as 64-bit integers, other numbers as doubles) so that equality filters do not depend on
 * how a number was written.
 */
public final class MemoryRecord {
  /** The largest content a record may hold. */
  public static final int MAX_CONTENT_BYTES = 64 << 20;
  public static final int MAX_ID_LENGTH = 512;
  public static final int MAX_SCOPE_LENGTH = 256;
  public static final int MAX_TAGS = 64;
  public static final int MAX_TAG_LENGTH = 128;
  public static final int MAX_EMBEDDING_DIMENSION = 65_536;
  /** The scope of a record built without one. */
  public static final String DEFAULT_SCOPE = "default";
  /** The content type of a record built without one. */
  public static final String DEFAULT_CONTENT_TYPE = "text/plain";

  private final String id;
  private final byte[] content;
  private final MemoryTier tier;
  private final String scope;
  private final float[] embedding;
  private final Map<String, JsonNode> metadata;
  private final Set<String> tags;
  private final String contentType;
  private final double importance;
  private final Instant createdAt;
  private final Instant lastAccessedAt;
  private final long accessCount;
  private final Instant expiresAt;
  private final long version;
  private volatile String contentHash;
  /** {@link #sizeBytes()}, computed once: counters ask for it on every write, twice on a replacement. */
  private final long sizeBytes;

  private MemoryRecord(Builder b) {
    this.id = checkName("id", b.id, MAX_ID_LENGTH);
    this.content = Objects.requireNonNull(b.content, "content");
    if (content.length > MAX_CONTENT_BYTES) {
      throw DwException.invalidArgument("record '" + id + "': content is " + content.length + " bytes; the limit is " + MAX_CONTENT_BYTES);
    }
    this.tier = Objects.requireNonNull(b.tier, "tier");
    this.scope = checkName("scope", b.scope, MAX_SCOPE_LENGTH);
    if (b.embedding != null) {
      if (b.embedding.length == 0 || b.embedding.length > MAX_EMBEDDING_DIMENSION) {
        throw DwException.invalidArgument("record '" + id + "': an embedding has 1.." + MAX_EMBEDDING_DIMENSION
            + " dimensions, was " + b.embedding.length);
      }
      for (int i = 0; i < b.embedding.length; i++) {
        if (!Float.isFinite(b.embedding[i])) {
          throw DwException.invalidArgument("record '" + id + "': embedding[" + i + "] is " + b.embedding[i] + "; values must be finite");
        }
      }
    }
    this.embedding = b.embedding;
    if (b.metadata.isEmpty()) {
      this.metadata = Collections.emptyMap(); // most records have none: no map to iterate per encode
    } else {
      Map<String, JsonNode> md = new TreeMap<>();
      for (Map.Entry<String, JsonNode> e : b.metadata.entrySet()) {
        md.put(checkName("metadata key", e.getKey(), MAX_SCOPE_LENGTH), JsonValues.canonical(e.getValue()));
      }
      this.metadata = Collections.unmodifiableMap(md);
    }
    if (b.tags.size() > MAX_TAGS) {
      throw DwException.invalidArgument("record '" + id + "' has " + b.tags.size() + " tags; the limit is " + MAX_TAGS);
    }
    for (String t : b.tags) {
      checkName("tag", t, MAX_TAG_LENGTH);
    }
    // sorted either way; none and one tag (the common cases) without a tree
    this.tags = b.tags.isEmpty() ? Collections.emptySet()
        : b.tags.size() == 1 ? Collections.singleton(b.tags.iterator().next())
        : Collections.unmodifiableSet(new TreeSet<>(b.tags));
    this.contentType = checkName("content type", b.contentType, MAX_SCOPE_LENGTH);
    if (!(b.importance >= 0 && b.importance <= 1)) {
      throw DwException.invalidArgument("record '" + id + "': importance must be in [0, 1], was " + b.importance);
    }
    this.importance = b.importance;
    this.createdAt = b.createdAt;
    this.lastAccessedAt = b.lastAccessedAt != null ? b.lastAccessedAt : b.createdAt;
    if (b.accessCount < 0 || b.version < 0) {
      throw DwException.invalidArgument("record '" + id + "': access count and version must be >= 0");
    }
    this.accessCount = b.accessCount;
    this.expiresAt = b.expiresAt;
    this.version = b.version;
    this.sizeBytes = computeSizeBytes();
  }

  /** A copy of {@code r} with other bookkeeping fields; every other field is shared, already validated. */
  private MemoryRecord(MemoryRecord r, Instant createdAt, Instant lastAccessedAt, long accessCount, long version) {
    if (accessCount < 0 || version < 0) {
      throw DwException.invalidArgument("record '" + r.id + "': access count and version must be >= 0");
    }
    this.id = r.id;
    this.content = r.content;
    this.tier = r.tier;
    this.scope = r.scope;
    this.embedding = r.embedding;
    this.metadata = r.metadata;
    this.tags = r.tags;
    this.contentType = r.contentType;
    this.importance = r.importance;
    this.createdAt = createdAt;
    this.lastAccessedAt = lastAccessedAt != null ? lastAccessedAt : createdAt;
    this.accessCount = accessCount;
    this.expiresAt = r.expiresAt;
    this.version = version;
    this.contentHash = r.contentHash;
    this.sizeBytes = r.sizeBytes;
  }

  /**
   * This record with other bookkeeping (times, access count, version) and every other field the
   * same: what {@code toBuilder()...build()} gives, without validating and copying the rest again.
   * A null {@code lastAccessedAt} means {@code createdAt}, as in the builder.
   */
  public MemoryRecord withBookkeeping(Instant createdAt, Instant lastAccessedAt, long accessCount, long version) {
    return new MemoryRecord(this, createdAt, lastAccessedAt, accessCount, version);
  }

  private static String checkName(String what, String value, int max) {
    if (value == null || value.isEmpty()) {
      throw DwException.invalidArgument("a memory record's " + what + " must not be empty");
    }
    if (value.length() > max) {
      throw DwException.invalidArgument("a memory record's " + what + " has " + value.length() + " characters; the limit is " + max);
    }
    if (value == DEFAULT_SCOPE || value == DEFAULT_CONTENT_TYPE) {
      return value; // the defaults are valid
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) { // Character.isISOControl
        throw DwException.invalidArgument("a memory record's " + what + " must not contain control characters (found U+"
            + String.format("%04X", (int) c) + " at " + i + ")");
      }
    }
    return value;
  }

  /** A builder for a new record: tier working, scope "default", importance 0.5, no content. */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /** A builder holding every field of this record. */
  public Builder toBuilder() {
    Builder b = new Builder(id);
    b.content = content;
    b.tier = tier;
    b.scope = scope;
    b.embedding = embedding;
    b.metadata.putAll(metadata);
    b.tags.addAll(tags);
    b.contentType = contentType;
    b.importance = importance;
    b.createdAt = createdAt;
    b.lastAccessedAt = lastAccessedAt;
    b.accessCount = accessCount;
    b.expiresAt = expiresAt;
    b.version = version;
    return b;
  }

  public String id() {
    return id;
  }

  /** The content; a copy (use {@link #contentSize()} for the size alone). */
  public byte[] content() {
    return content.clone();
  }

  /** The content as UTF-8 text (malformed bytes become U+FFFD). */
  public String contentText() {
    return new String(content, StandardCharsets.UTF_8);
  }

  public int contentSize() {
    return content.length;
  }

  public MemoryTier tier() {
    return tier;
  }

  public String scope() {
    return scope;
  }

  /** The embedding (a copy), or null. */
  public float[] embedding() {
    return embedding == null ? null : embedding.clone();
  }

  public boolean hasEmbedding() {
    return embedding != null;
  }

  /** Metadata in key order, values in canonical form. */
  public Map<String, JsonNode> metadata() {
    return metadata;
  }

  /** Tags in sorted order. */
  public Set<String> tags() {
    return tags;
  }

  public String contentType() {
    return contentType;
  }

  public double importance() {
    return importance;
  }

  /** When the record was first stored; null only before it was. */
  public Instant createdAt() {
    return createdAt;
  }

  /** When it was last read with touch, or created; null only before it was stored. */
  public Instant lastAccessedAt() {
    return lastAccessedAt;
  }

  public long accessCount() {
    return accessCount;
  }

  /** When it expires, or null for never. */
  public Instant expiresAt() {
    return expiresAt;
  }

  /** Whether it has expired at {@code now}: expiry at or before now. */
  public boolean isExpired(Instant now) {
    return expiresAt != null && !expiresAt.isAfter(now);
  }

  /** 0 before the first store; each store or update adds one. */
  public long version() {
    return version;
  }

  /** Lower-case hex SHA-256 of the content. */
  public String contentHash() {
    String h = contentHash;
    if (h == null) {
      try {
        h = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
      contentHash = h;
    }
    return h;
  }

  /** The content as a read-only buffer, without copying. */
  public java.nio.ByteBuffer contentBuffer() {
    return java.nio.ByteBuffer.wrap(content).asReadOnlyBuffer();
  }

  /** Bytes this record occupies for size limits: content, embedding, and a rough share for the rest. */
  public long sizeBytes() {
    return sizeBytes;
  }

  private long computeSizeBytes() {
    long n = content.length + (embedding == null ? 0 : 4L * embedding.length) + 96L + 2L * (id.length() + scope.length() + contentType.length());
    for (String t : tags) {
      n += 2L * t.length() + 8;
    }
    for (Map.Entry<String, JsonNode> e : metadata.entrySet()) {
      n += 2L * e.getKey().length() + 16 + e.getValue().toString().length();
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof MemoryRecord r
        && id.equals(r.id)
        && Arrays.equals(content, r.content)
        && tier == r.tier
        && scope.equals(r.scope)
        && Arrays.equals(embedding, r.embedding)
        && metadata.equals(r.metadata)
        && tags.equals(r.tags)
        && contentType.equals(r.contentType)
        && Double.compare(importance, r.importance) == 0
        && Objects.equals(createdAt, r.createdAt)
        && Objects.equals(lastAccessedAt, r.lastAccessedAt)
        && accessCount == r.accessCount
        && Objects.equals(expiresAt, r.expiresAt)
        && version == r.version;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, Arrays.hashCode(content), tier, scope, version);
  }

  @Override
  public String toString() {
    return "MemoryRecord[id=" + id + ", tier=" + tier + ", scope=" + scope + ", " + content.length + " bytes, tags=" + tags
        + ", importance=" + importance + ", version=" + version + (expiresAt == null ? "" : ", expiresAt=" + expiresAt) + "]";
  }

  /** Builds a {@link MemoryRecord}; validation happens in {@link #build()}. Not thread-safe. */
  public static final class Builder {
    private final String id;
    private byte[] content = new byte[0];
    private MemoryTier tier = MemoryTier.WORKING;
    private String scope = DEFAULT_SCOPE;
    private float[] embedding;
    private final Map<String, JsonNode> metadata = new LinkedHashMap<>();
    private final Set<String> tags = new TreeSet<>();
    private String contentType = DEFAULT_CONTENT_TYPE;
    private double importance = 0.5;
    private Instant createdAt;
    private Instant lastAccessedAt;
    private long accessCount;
    private Instant expiresAt;
    private long version;

    private Builder(String id) {
      this.id = id;
    }

    /** The content (copied). */
    public Builder content(byte[] content) {
      this.content = Objects.requireNonNull(content, "content").clone();
      return this;
    }

    /** The content as UTF-8. */
    public Builder content(String text) {
      this.content = Objects.requireNonNull(text, "content").getBytes(StandardCharsets.UTF_8);
      return this;
    }

    public Builder tier(MemoryTier tier) {
      this.tier = tier;
      return this;
    }

    public Builder scope(String scope) {
      this.scope = scope;
      return this;
    }

    /** The embedding (copied), or null for none. */
    public Builder embedding(float[] embedding) {
      this.embedding = embedding == null ? null : embedding.clone();
      return this;
    }

    public Builder metadata(String key, JsonNode value) {
      metadata.put(key, value);
      return this;
    }

    /** Replaces all metadata. */
    public Builder metadata(Map<String, ? extends JsonNode> all) {
      metadata.clear();
      metadata.putAll(all);
      return this;
    }

    /** Replaces all tags. */
    public Builder tags(Collection<String> all) {
      tags.clear();
      tags.addAll(all);
      return this;
    }

    public Builder tags(String... all) {
      return tags(Arrays.asList(all));
    }

    public Builder contentType(String contentType) {
      this.contentType = contentType;
      return this;
    }

    public Builder importance(double importance) {
      this.importance = importance;
      return this;
    }

    public Builder createdAt(Instant at) {
      this.createdAt = at;
      return this;
    }

    public Builder lastAccessedAt(Instant at) {
      this.lastAccessedAt = at;
      return this;
    }

    public Builder accessCount(long n) {
      this.accessCount = n;
      return this;
    }

    /** When it expires; null for never. */
    public Builder expiresAt(Instant at) {
      this.expiresAt = at;
      return this;
    }

    /**
     * The version. For {@link PersistenceBackend#update} this is the version the caller read (the
     * optimistic check); stores assign versions themselves.
     */
    public Builder version(long version) {
      this.version = version;
      return this;
    }

    /**
     * @throws DwException INVALID_ARGUMENT naming the field when a value breaks a limit
     */
    public MemoryRecord build() {
      return new MemoryRecord(this);
    }
  }
}
