package io.datawarehouse.dataprotection;

import io.datawarehouse.sdk.DwException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which snapshots {@code forget} keeps, per group of snapshots with the same source paths.
 * Semantics as in restic: going from the newest snapshot back, {@code keepDaily = 7} keeps the
 * newest snapshot of each of the 7 most recent days that have one (likewise hourly, weekly (ISO
 * weeks), monthly, yearly); {@code keepLast} the newest n; {@code keepTags} every snapshot with one
 * of the tags; {@code keepWithin} every snapshot taken within that duration before now. Then the
 * parent chain of every kept snapshot is kept too, so incremental and differential chains stay
 * verifiable.
 *
 * @param keepLast newest n snapshots (0: none by this rule)
 * @param keepHourly newest per hour, for n hours
 * @param keepDaily newest per day, for n days
 * @param keepWeekly newest per ISO week, for n weeks
 * @param keepMonthly newest per month, for n months
 * @param keepYearly newest per year, for n years
 * @param keepTags snapshots with any of these tags
 * @param keepWithin snapshots newer than now minus this, or null
 */
public record RetentionPolicy(int keepLast, int keepHourly, int keepDaily, int keepWeekly, int keepMonthly, int keepYearly,
    List<String> keepTags, Duration keepWithin) {

  public RetentionPolicy {
    keepTags = keepTags == null ? List.of() : List.copyOf(keepTags);
    for (int n : new int[] {keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly}) {
      if (n < 0) {
        throw DwException.invalidArgument("keep counts must be >= 0, got " + n);
      }
    }
  }

  /** Whether no rule is set (such a policy would remove everything, so forget refuses it). */
  public boolean isEmpty() {
    return keepLast == 0 && keepHourly == 0 && keepDaily == 0 && keepWeekly == 0 && keepMonthly == 0 && keepYearly == 0
        && keepTags.isEmpty() && keepWithin == null;
  }

  /**
   * The decision for one snapshot.
   *
   * @param snapshot the snapshot
   * @param keep whether it is kept
   * @param reasons why it is kept ({@code daily 2026-11-27}, {@code last}, {@code parent of ...})
   */
  public record Decision(Snapshot.Summary snapshot, boolean keep, List<String> reasons) {}

  /**
   * Applies the policy.
   *
   * @param snapshots every snapshot in the repository
   * @param now the current time (from the injected clock), for {@code keepWithin}
   * @param zone the time zone buckets are computed in
   * @return one decision per snapshot, newest first
   */
  public List<Decision> apply(List<Snapshot.Summary> snapshots, Instant now, ZoneId zone) {
    if (isEmpty()) {
      throw DwException.invalidArgument("no keep rule given: forget would remove every snapshot; give at least one --keep-*");
    }
    List<Snapshot.Summary> sorted = new ArrayList<>(snapshots);
    sorted.sort(Comparator.comparing(Snapshot.Summary::time).thenComparing(Snapshot.Summary::id).reversed());
    Map<String, List<String>> reasons = new LinkedHashMap<>();
    Map<List<String>, List<Snapshot.Summary>> groups = new LinkedHashMap<>();
    for (Snapshot.Summary s : sorted) {
      reasons.put(s.id(), new ArrayList<>());
      groups.computeIfAbsent(s.paths(), k -> new ArrayList<>()).add(s);
    }
    for (List<Snapshot.Summary> group : groups.values()) {
      bucket(group, keepLast, "last", s -> s.id(), zone, reasons);
      bucket(group, keepHourly, "hourly", s -> at(s, zone).withMinute(0).withSecond(0).withNano(0).toString(), zone, reasons);
      bucket(group, keepDaily, "daily", s -> at(s, zone).toLocalDate().toString(), zone, reasons);
      bucket(group, keepWeekly, "weekly", s -> at(s, zone).get(IsoFields.WEEK_BASED_YEAR) + "-W"
          + at(s, zone).get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), zone, reasons);
      bucket(group, keepMonthly, "monthly", s -> at(s, zone).getYear() + "-" + at(s, zone).getMonthValue(), zone, reasons);
      bucket(group, keepYearly, "yearly", s -> String.valueOf(at(s, zone).getYear()), zone, reasons);
      for (Snapshot.Summary s : group) {
        for (String t : s.tags()) {
          if (keepTags.contains(t)) {
            reasons.get(s.id()).add("tag " + t);
          }
        }
        if (keepWithin != null && !s.time().isBefore(now.minus(keepWithin))) {
          reasons.get(s.id()).add("within " + keepWithin);
        }
      }
    }
    Map<String, Snapshot.Summary> byId = new HashMap<>();
    for (Snapshot.Summary s : sorted) {
      byId.put(s.id(), s);
    }
    Set<String> seen = new HashSet<>();
    for (Snapshot.Summary s : sorted) {
      if (!reasons.get(s.id()).isEmpty() && !reasons.get(s.id()).get(0).startsWith("parent of")) {
        String child = s.id();
        Snapshot.Summary p = s.parent() == null ? null : byId.get(s.parent());
        while (p != null && seen.add(p.id() + "<" + child)) {
          reasons.get(p.id()).add("parent of " + child.substring(0, 8));
          child = p.id();
          p = p.parent() == null ? null : byId.get(p.parent());
        }
      }
    }
    List<Decision> out = new ArrayList<>();
    for (Snapshot.Summary s : sorted) {
      List<String> r = reasons.get(s.id());
      out.add(new Decision(s, !r.isEmpty(), List.copyOf(r)));
    }
    return out;
  }

  private static LocalDateTime at(Snapshot.Summary s, ZoneId zone) {
    return LocalDateTime.ofInstant(s.time(), zone);
  }

  private static void bucket(List<Snapshot.Summary> newestFirst, int n, String rule,
      java.util.function.Function<Snapshot.Summary, String> key, ZoneId zone, Map<String, List<String>> reasons) {
    if (n <= 0) {
      return;
    }
    String last = null;
    int kept = 0;
    for (Snapshot.Summary s : newestFirst) {
      String k = key.apply(s);
      if (!k.equals(last)) {
        reasons.get(s.id()).add(rule.equals("last") ? "last" : rule + " " + k);
        last = k;
        if (++kept >= n) {
          return;
        }
      }
    }
  }
}
