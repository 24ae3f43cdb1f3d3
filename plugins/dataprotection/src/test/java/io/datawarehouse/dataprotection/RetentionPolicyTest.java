package io.datawarehouse.dataprotection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.testkit.ManualTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {
  private final ManualTime clock = new ManualTime(Instant.parse("2026-01-01T00:30:00Z"));
  private final List<Snapshot.Summary> snaps = new ArrayList<>();
  private int n;

  /** One snapshot every 6 hours for 60 days, taken at the manual clock's time. */
  private void takeEverySixHours(int count) {
    String parent = null;
    for (int i = 0; i < count; i++) {
      String id = String.format("%032x", ++n);
      snaps.add(new Snapshot.Summary(id, clock.now(), i == 0 ? "full" : "incremental", parent, List.of("/data"), "h",
          i == 10 ? List.of("important") : List.of(), null));
      parent = id;
      clock.advance(Duration.ofHours(6));
    }
  }

  private static List<String> kept(List<RetentionPolicy.Decision> d) {
    return d.stream().filter(RetentionPolicy.Decision::keep).map(x -> x.snapshot().id()).toList();
  }

  @Test
  void apply_keepLast_keepsNewestAndTheirParentChain() {
    takeEverySixHours(8);
    List<RetentionPolicy.Decision> d = new RetentionPolicy(2, 0, 0, 0, 0, 0, List.of(), null).apply(snaps, clock.now(), ZoneOffset.UTC);
    // an incremental chain: the two newest keep every ancestor
    assertThat(kept(d)).hasSize(8);
    assertThat(d.get(0).reasons()).containsExactly("last");
    assertThat(d.get(7).reasons()).allMatch(r -> r.startsWith("parent of"));
  }

  @Test
  void apply_keepDaily_keepsNewestPerDayForNDays() {
    clock.setTo(Instant.parse("2026-01-01T00:30:00Z"));
    for (int i = 0; i < 40; i++) {
      snaps.add(new Snapshot.Summary(String.format("%032x", ++n), clock.now(), "full", null, List.of("/data"), "h", List.of(), null));
      clock.advance(Duration.ofHours(6));
    }
    List<RetentionPolicy.Decision> d = new RetentionPolicy(0, 0, 7, 0, 0, 0, List.of(), null).apply(snaps, clock.now(), ZoneOffset.UTC);
    List<RetentionPolicy.Decision> keep = d.stream().filter(RetentionPolicy.Decision::keep).toList();
    assertThat(keep).hasSize(7);
    // newest per day: the 18:30 snapshot of each of the last 7 days (10 days in all)
    assertThat(keep).allMatch(x -> x.snapshot().time().atZone(ZoneOffset.UTC).getHour() == 18);
    assertThat(keep.get(0).snapshot().time()).isEqualTo(Instant.parse("2026-01-10T18:30:00Z"));
    assertThat(keep.get(6).snapshot().time()).isEqualTo(Instant.parse("2026-01-04T18:30:00Z"));
  }

  @Test
  void apply_weeklyMonthlyYearlyTagsAndWithin() {
    for (int i = 0; i < 400; i++) {
      snaps.add(new Snapshot.Summary(String.format("%032x", ++n), clock.now(), "full", null, List.of("/data"), "h",
          i == 5 ? List.of("important") : List.of(), null));
      clock.advance(Duration.ofDays(1));
    }
    Instant now = clock.now();
    assertThat(kept(new RetentionPolicy(0, 0, 0, 4, 0, 0, List.of(), null).apply(snaps, now, ZoneOffset.UTC))).hasSize(4);
    assertThat(kept(new RetentionPolicy(0, 0, 0, 0, 3, 0, List.of(), null).apply(snaps, now, ZoneOffset.UTC))).hasSize(3);
    assertThat(kept(new RetentionPolicy(0, 0, 0, 0, 0, 5, List.of(), null).apply(snaps, now, ZoneOffset.UTC))).hasSize(2);
    assertThat(kept(new RetentionPolicy(0, 0, 0, 0, 0, 0, List.of("important"), null).apply(snaps, now, ZoneOffset.UTC)))
        .containsExactly(String.format("%032x", 6));
    // within 10 days of the manual clock's now: the last 10 snapshots
    assertThat(kept(new RetentionPolicy(0, 0, 0, 0, 0, 0, List.of(), Duration.ofDays(10)).apply(snaps, now, ZoneOffset.UTC)))
        .hasSize(10);
    clock.advance(Duration.ofDays(5));
    assertThat(kept(new RetentionPolicy(0, 0, 0, 0, 0, 0, List.of(), Duration.ofDays(10)).apply(snaps, clock.now(), ZoneOffset.UTC)))
        .hasSize(5);
  }

  @Test
  void apply_hourly_countsDistinctHours() {
    for (int i = 0; i < 12; i++) {
      snaps.add(new Snapshot.Summary(String.format("%032x", ++n), clock.now(), "full", null, List.of("/data"), "h", List.of(), null));
      clock.advance(Duration.ofMinutes(20));
    }
    assertThat(kept(new RetentionPolicy(0, 3, 0, 0, 0, 0, List.of(), null).apply(snaps, clock.now(), ZoneOffset.UTC))).hasSize(3);
  }

  @Test
  void apply_groupsBySourcePaths() {
    snaps.add(new Snapshot.Summary("a".repeat(32), clock.now(), "full", null, List.of("/a"), "h", List.of(), null));
    clock.advance(Duration.ofHours(1));
    snaps.add(new Snapshot.Summary("b".repeat(32), clock.now(), "full", null, List.of("/b"), "h", List.of(), null));
    clock.advance(Duration.ofHours(1));
    snaps.add(new Snapshot.Summary("c".repeat(32), clock.now(), "full", null, List.of("/b"), "h", List.of(), null));
    assertThat(kept(new RetentionPolicy(1, 0, 0, 0, 0, 0, List.of(), null).apply(snaps, clock.now(), ZoneOffset.UTC)))
        .containsExactlyInAnyOrder("a".repeat(32), "c".repeat(32));
  }

  @Test
  void apply_noRule_isRefused() {
    takeEverySixHours(2);
    assertThatThrownBy(() -> new RetentionPolicy(0, 0, 0, 0, 0, 0, List.of(), null).apply(snaps, clock.now(), ZoneOffset.UTC))
        .isInstanceOf(DwException.class).hasMessageContaining("no keep rule");
  }
}
