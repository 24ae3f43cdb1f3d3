package io.datawarehouse.intelligence.memory;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * An independent statement of what a {@link MemoryQuery} returns, written from its documentation
 * with plain loops and none of the production code, so that the contract suite compares every
 * backend against something other than itself. Ids in tests are ASCII, so String order is id order.
 */
public final class ReferenceQuery {
  private ReferenceQuery() {}

  public static List<MemoryRecord> run(Collection<MemoryRecord> all, MemoryQuery q, Instant now) {
    List<MemoryRecord> out = new ArrayList<>();
    for (MemoryRecord r : all) {
      if (keep(r, q, now)) {
        out.add(r);
      }
    }
    out.sort(order(q));
    List<MemoryRecord> page = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      if (i >= q.skip() && page.size() < q.limit()) {
        page.add(out.get(i));
      }
    }
    return page;
  }

  public static long count(Collection<MemoryRecord> all, MemoryQuery q, Instant now) {
    return all.stream().filter(r -> keep(r, q, now)).count();
  }

  private static boolean keep(MemoryRecord r, MemoryQuery q, Instant now) {
    boolean expired = r.expiresAt() != null && r.expiresAt().compareTo(now) <= 0;
    if (expired && !q.includeExpired()) {
      return false;
    }
    if (q.tiers().size() > 0 && !q.tiers().contains(r.tier())) {
      return false;
    }
    if (q.scopes().size() > 0 && !q.scopes().contains(r.scope())) {
      return false;
    }
    for (String t : q.tagsAll()) {
      if (!r.tags().contains(t)) {
        return false;
      }
    }
    if (q.tagsAny().size() > 0) {
      boolean any = false;
      for (String t : q.tagsAny()) {
        any |= r.tags().contains(t);
      }
      if (!any) {
        return false;
      }
    }
    if (q.minImportance() != null && r.importance() < q.minImportance()) {
      return false;
    }
    if (q.maxImportance() != null && r.importance() > q.maxImportance()) {
      return false;
    }
    if (q.createdFrom() != null && r.createdAt().compareTo(q.createdFrom()) < 0) {
      return false;
    }
    if (q.createdTo() != null && r.createdAt().compareTo(q.createdTo()) >= 0) {
      return false;
    }
    if (q.accessedFrom() != null && r.lastAccessedAt().compareTo(q.accessedFrom()) < 0) {
      return false;
    }
    if (q.accessedTo() != null && r.lastAccessedAt().compareTo(q.accessedTo()) >= 0) {
      return false;
    }
    if (q.contentType() != null && !q.contentType().equals(r.contentType())) {
      return false;
    }
    for (Map.Entry<String, JsonNode> e : q.metadata().entrySet()) {
      JsonNode v = r.metadata().get(e.getKey());
      if (v == null || !sameJson(v, e.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameJson(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    return a.equals(b);
  }

  private static Comparator<MemoryRecord> order(MemoryQuery q) {
    Comparator<MemoryRecord> byId = Comparator.comparing(MemoryRecord::id);
    Comparator<MemoryRecord> c = switch (q.sort()) {
      case ID -> byId;
      case CREATED_AT -> Comparator.comparing(MemoryRecord::createdAt);
      case LAST_ACCESSED_AT -> Comparator.comparing(MemoryRecord::lastAccessedAt);
      case IMPORTANCE -> Comparator.comparing(MemoryRecord::importance);
      case ACCESS_COUNT -> Comparator.comparing(MemoryRecord::accessCount);
      case EXPIRES_AT -> (a, b) -> {
        if (a.expiresAt() == null || b.expiresAt() == null) {
          return a.expiresAt() == null ? (b.expiresAt() == null ? 0 : 1) : -1;
        }
        return a.expiresAt().compareTo(b.expiresAt());
      };
    };
    if (q.direction() == MemoryQuery.Direction.DESC) {
      Comparator<MemoryRecord> base = c;
      c = (a, b) -> base.compare(b, a);
    }
    return c.thenComparing(byId);
  }
}
