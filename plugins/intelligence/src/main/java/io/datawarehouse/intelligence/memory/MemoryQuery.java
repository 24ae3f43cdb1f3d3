package io.datawarehouse.intelligence.memory;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.intelligence.memory.internal.JsonValues;
import io.datawarehouse.sdk.DwException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which memory records to find, in what order, which page. Every predicate is optional; those
 * given must all hold (AND). Immutable and thread-safe; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code tiers}, {@code scopes}: the record's tier / scope is one of them.
 *   <li>{@code tagsAny}: the record has at least one of them; {@code tagsAll}: it has all of them.
 *   <li>{@code minImportance} / {@code maxImportance}: inclusive bounds.
 *   <li>{@code createdFrom} / {@code createdTo} and {@code accessedFrom} / {@code accessedTo}:
 *       half-open ranges, from inclusive, to exclusive.
 *   <li>{@code contentType}: exact match. {@code metadata}: each key is present with an equal
 *       value (canonical JSON, so 2 equals 2.0).
 *   <li>Expired records (expiry at or before the store's now) are left out unless {@code
 *       includeExpired}.
 * </ul>
 *
 * Results are sorted by {@code sort} in {@code direction}, ties broken by id ascending; records
 * with no expiry sort after all others by {@link SortField#EXPIRES_AT} ascending. Then {@code skip}
 * records are dropped and at most {@code limit} returned. The definition of a match is {@link
 * #matches}, of the order {@link #comparator()}; backends must agree with both (the contract test
 * suite checks them against an independent reference).
 */
public final class MemoryQuery {
  private static final MemoryQuery ALL = builder().build();

  /** The fields results can be sorted by. */
  public enum SortField {
    ID("id"),
    CREATED_AT("createdAt"),
    LAST_ACCESSED_AT("lastAccessedAt"),
    IMPORTANCE("importance"),
    ACCESS_COUNT("accessCount"),
    EXPIRES_AT("expiresAt");

    private final String wire;

    SortField(String wire) {
      this.wire = wire;
    }

    @JsonValue
    public String wire() {
      return wire;
    }

    /** By wire name ("createdAt") or constant name, any case; INVALID_ARGUMENT listing them otherwise. */
    @JsonCreator
    public static SortField parse(String name) {
      if (name != null) {
        String n = name.trim().replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
        for (SortField f : values()) {
          if (f.wire.toLowerCase(Locale.ROOT).equals(n)) {
            return f;
          }
        }
      }
      throw DwException.invalidArgument("unknown sort field '" + name + "'; expected one of "
          + Arrays.stream(values()).map(SortField::wire).toList());
    }
  }

  /** Ascending or descending. */
  public enum Direction {
    ASC, DESC;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Direction parse(String name) {
      if (name != null) {
        for (Direction d : values()) {
          if (d.name().equalsIgnoreCase(name.trim())) {
            return d;
          }
        }
      }
      throw DwException.invalidArgument("unknown sort direction '" + name + "'; expected asc or desc");
    }
  }

  private final Set<MemoryTier> tiers;
  private final Set<String> scopes;
  private final Set<String> tagsAny;
  private final Set<String> tagsAll;
  private final Double minImportance;
  private final Double maxImportance;
  private final Instant createdFrom;
  private final Instant createdTo;
  private final Instant accessedFrom;
  private final Instant accessedTo;
  private final String contentType;
  private final Map<String, JsonNode> metadata;
  private final SortField sort;
  private final Direction direction;
  private final long skip;
  private final long limit;
  private final boolean includeExpired;

  private MemoryQuery(Builder b) {
    this.tiers = Collections.unmodifiableSet(new TreeSet<>(b.tiers));
    this.scopes = Collections.unmodifiableSet(new TreeSet<>(b.scopes));
    this.tagsAny = Collections.unmodifiableSet(new TreeSet<>(b.tagsAny));
    this.tagsAll = Collections.unmodifiableSet(new TreeSet<>(b.tagsAll));
    this.minImportance = b.minImportance;
    this.maxImportance = b.maxImportance;
    this.createdFrom = b.createdFrom;
    this.createdTo = b.createdTo;
    this.accessedFrom = b.accessedFrom;
    this.accessedTo = b.accessedTo;
    this.contentType = b.contentType;
    Map<String, JsonNode> md = new TreeMap<>();
    b.metadata.forEach((k, v) -> md.put(Objects.requireNonNull(k, "metadata key"), JsonValues.canonical(v)));
    this.metadata = Collections.unmodifiableMap(md);
    this.sort = Objects.requireNonNull(b.sort, "sort");
    this.direction = Objects.requireNonNull(b.direction, "direction");
    if (b.skip < 0 || b.limit < 0) {
      throw DwException.invalidArgument("skip and limit must be >= 0, were " + b.skip + " and " + b.limit);
    }
    for (Double d : new Double[] {minImportance, maxImportance}) {
      if (d != null && !(d >= 0 && d <= 1)) {
        throw DwException.invalidArgument("importance bounds must be in [0, 1], was " + d);
      }
    }
    this.skip = b.skip;
    this.limit = b.limit;
    this.includeExpired = b.includeExpired;
  }

  /** Every live record, by id. */
  public static MemoryQuery all() {
    return ALL;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.tiers.addAll(tiers);
    b.scopes.addAll(scopes);
    b.tagsAny.addAll(tagsAny);
    b.tagsAll.addAll(tagsAll);
    b.minImportance = minImportance;
    b.maxImportance = maxImportance;
    b.createdFrom = createdFrom;
    b.createdTo = createdTo;
    b.accessedFrom = accessedFrom;
    b.accessedTo = accessedTo;
    b.contentType = contentType;
    b.metadata.putAll(metadata);
    b.sort = sort;
    b.direction = direction;
    b.skip = skip;
    b.limit = limit;
    b.includeExpired = includeExpired;
    return b;
  }

  /** Whether {@code r} satisfies every predicate at {@code now} (paging and order aside). */
  public boolean matches(MemoryRecord r, Instant now) {
    if (!includeExpired && r.isExpired(now)) {
      return false;
    }
    if (!tiers.isEmpty() && !tiers.contains(r.tier())) {
      return false;
    }
    if (!scopes.isEmpty() && !scopes.contains(r.scope())) {
      return false;
    }
    if (!tagsAll.isEmpty() && !r.tags().containsAll(tagsAll)) {
      return false;
    }
    if (!tagsAny.isEmpty() && Collections.disjoint(tagsAny, r.tags())) {
      return false;
    }
    if (minImportance != null && r.importance() < minImportance) {
      return false;
    }
    if (maxImportance != null && r.importance() > maxImportance) {
      return false;
    }
    if (!inRange(r.createdAt(), createdFrom, createdTo) || !inRange(r.lastAccessedAt(), accessedFrom, accessedTo)) {
      return false;
    }
    if (contentType != null && !contentType.equals(r.contentType())) {
      return false;
    }
    for (Map.Entry<String, JsonNode> e : metadata.entrySet()) {
      if (!e.getValue().equals(r.metadata().get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private static boolean inRange(Instant t, Instant from, Instant to) {
    if (from == null && to == null) {
      return true;
    }
    return t != null && (from == null || !t.isBefore(from)) && (to == null || t.isBefore(to));
  }

  /** The result order: {@code sort} in {@code direction}, then id ascending. */
  public Comparator<MemoryRecord> comparator() {
    return comparator(sort, direction);
  }

  /** The order by {@code field} in {@code dir}, ties by id ascending. */
  public static Comparator<MemoryRecord> comparator(SortField field, Direction dir) {
    Comparator<MemoryRecord> primary = switch (field) {
      case ID -> Comparator.comparing(MemoryRecord::id, ID_ORDER);
      case CREATED_AT -> Comparator.comparing(MemoryRecord::createdAt, Comparator.nullsLast(Comparator.naturalOrder()));
      case LAST_ACCESSED_AT -> Comparator.comparing(MemoryRecord::lastAccessedAt, Comparator.nullsLast(Comparator.naturalOrder()));
      case IMPORTANCE -> Comparator.comparingDouble(MemoryRecord::importance);
      case ACCESS_COUNT -> Comparator.comparingLong(MemoryRecord::accessCount);
      case EXPIRES_AT -> Comparator.comparing(MemoryRecord::expiresAt, Comparator.nullsLast(Comparator.naturalOrder()));
    };
    if (dir == Direction.DESC) {
      primary = primary.reversed();
    }
    return field == SortField.ID ? primary : primary.thenComparing(MemoryRecord::id, ID_ORDER);
  }

  /**
   * The order of ids: by Unicode code point, which is the order of their UTF-8 bytes (and so of
   * keys in a sorted store). It differs from {@link String#compareTo} only for characters outside
   * the Basic Multilingual Plane.
   */
  public static final Comparator<String> ID_ORDER = MemoryQuery::compareCodePoints;

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  public Set<MemoryTier> tiers() {
    return tiers;
  }

  public Set<String> scopes() {
    return scopes;
  }

  public Set<String> tagsAny() {
    return tagsAny;
  }

  public Set<String> tagsAll() {
    return tagsAll;
  }

  public Double minImportance() {
    return minImportance;
  }

  public Double maxImportance() {
    return maxImportance;
  }

  public Instant createdFrom() {
    return createdFrom;
  }

  public Instant createdTo() {
    return createdTo;
  }

  public Instant accessedFrom() {
    return accessedFrom;
  }

  public Instant accessedTo() {
    return accessedTo;
  }

  public String contentType() {
    return contentType;
  }

  public Map<String, JsonNode> metadata() {
    return metadata;
  }

  public SortField sort() {
    return sort;
  }

  public Direction direction() {
    return direction;
  }

  public long skip() {
    return skip;
  }

  /** At most this many results; {@link Long#MAX_VALUE} for all. */
  public long limit() {
    return limit;
  }

  public boolean includeExpired() {
    return includeExpired;
  }

  /** This query without paging: every match, for counting. */
  public MemoryQuery unpaged() {
    return skip == 0 && limit == Long.MAX_VALUE ? this : toBuilder().skip(0).limit(Long.MAX_VALUE).build();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("MemoryQuery[");
    if (!tiers.isEmpty()) {
      sb.append("tiers=").append(tiers).append(", ");
    }
    if (!scopes.isEmpty()) {
      sb.append("scopes=").append(scopes).append(", ");
    }
    if (!tagsAny.isEmpty()) {
      sb.append("tagsAny=").append(tagsAny).append(", ");
    }
    if (!tagsAll.isEmpty()) {
      sb.append("tagsAll=").append(tagsAll).append(", ");
    }
    if (minImportance != null || maxImportance != null) {
      sb.append("importance=[").append(minImportance).append(", ").append(maxImportance).append("], ");
    }
    if (createdFrom != null || createdTo != null) {
      sb.append("created=[").append(createdFrom).append(", ").append(createdTo).append("), ");
    }
    if (accessedFrom != null || accessedTo != null) {
      sb.append("accessed=[").append(accessedFrom).append(", ").append(accessedTo).append("), ");
    }
    if (contentType != null) {
      sb.append("contentType=").append(contentType).append(", ");
    }
    if (!metadata.isEmpty()) {
      sb.append("metadata=").append(metadata).append(", ");
    }
    sb.append("sort=").append(sort.wire()).append(' ').append(direction.wire());
    if (skip > 0) {
      sb.append(", skip=").append(skip);
    }
    if (limit != Long.MAX_VALUE) {
      sb.append(", limit=").append(limit);
    }
    if (includeExpired) {
      sb.append(", includeExpired");
    }
    return sb.append(']').toString();
  }

  /** Builds a {@link MemoryQuery}. Not thread-safe. */
  public static final class Builder {
    private final Set<MemoryTier> tiers = new LinkedHashSet<>();
    private final Set<String> scopes = new LinkedHashSet<>();
    private final Set<String> tagsAny = new LinkedHashSet<>();
    private final Set<String> tagsAll = new LinkedHashSet<>();
    private Double minImportance;
    private Double maxImportance;
    private Instant createdFrom;
    private Instant createdTo;
    private Instant accessedFrom;
    private Instant accessedTo;
    private String contentType;
    private final Map<String, JsonNode> metadata = new TreeMap<>();
    private SortField sort = SortField.ID;
    private Direction direction = Direction.ASC;
    private long skip;
    private long limit = Long.MAX_VALUE;
    private boolean includeExpired;

    private Builder() {}

    public Builder tier(MemoryTier... t) {
      tiers.addAll(Arrays.asList(t));
      return this;
    }

    public Builder tiers(Collection<MemoryTier> t) {
      tiers.addAll(t);
      return this;
    }

    public Builder scope(String... s) {
      scopes.addAll(Arrays.asList(s));
      return this;
    }

    public Builder scopes(Collection<String> s) {
      scopes.addAll(s);
      return this;
    }

    public Builder tagsAny(Collection<String> t) {
      tagsAny.addAll(t);
      return this;
    }

    public Builder tagsAll(Collection<String> t) {
      tagsAll.addAll(t);
      return this;
    }

    public Builder importance(Double min, Double max) {
      this.minImportance = min;
      this.maxImportance = max;
      return this;
    }

    public Builder created(Instant from, Instant to) {
      this.createdFrom = from;
      this.createdTo = to;
      return this;
    }

    public Builder accessed(Instant from, Instant to) {
      this.accessedFrom = from;
      this.accessedTo = to;
      return this;
    }

    public Builder contentType(String ct) {
      this.contentType = ct;
      return this;
    }

    public Builder metadata(String key, JsonNode value) {
      metadata.put(key, value);
      return this;
    }

    public Builder sort(SortField field, Direction dir) {
      this.sort = field;
      this.direction = dir;
      return this;
    }

    public Builder skip(long n) {
      this.skip = n;
      return this;
    }

    public Builder limit(long n) {
      this.limit = n;
      return this;
    }

    public Builder includeExpired(boolean v) {
      this.includeExpired = v;
      return this;
    }

    /** @throws DwException INVALID_ARGUMENT for a negative skip or limit or an importance outside [0, 1] */
    public MemoryQuery build() {
      return new MemoryQuery(this);
    }
  }
}
