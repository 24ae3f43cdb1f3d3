package io.datawarehouse.intelligence.memory.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class IdFilterTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Property(tries = 200)
  void everyAddedId_mightBeContained_evenAcrossGrowthAndASaveRestore(
      @ForAll @Size(max = 300) List<@StringLength(max = 40) String> ids, @ForAll @IntRange(min = 1, max = 64) int initial) {
    IdFilter f = new IdFilter(initial, IdFilter.MAX_BITS);
    for (String id : ids) {
      f.add(b(id));
    }
    IdFilter restored = IdFilter.restore(f.save());
    assertThat(restored).isNotNull();
    for (String id : ids) {
      assertThat(f.mightContain(b(id))).as(id).isTrue();
      assertThat(restored.mightContain(b(id))).as(id).isTrue();
    }
  }

  @Property(tries = 100)
  void restoredFilter_answersExactlyAsTheSavedOne(@ForAll @Size(max = 200) Set<@StringLength(max = 20) String> added,
      @ForAll @Size(max = 200) Set<@StringLength(max = 20) String> probes) {
    IdFilter f = new IdFilter(16, IdFilter.MAX_BITS);
    added.forEach(id -> f.add(b(id)));
    IdFilter r = IdFilter.restore(f.save());
    for (String p : probes) {
      assertThat(r.mightContain(b(p))).isEqualTo(f.mightContain(b(p)));
    }
  }

  @Test
  void absentIds_areMostlyRuledOut() {
    IdFilter f = new IdFilter();
    for (int i = 0; i < 200_000; i++) {
      f.add(b("mem-" + i));
    }
    int falsePositives = 0;
    for (int i = 200_000; i < 400_000; i++) {
      if (f.mightContain(b("mem-" + i))) {
        falsePositives++;
      }
    }
    // 10 bits per id at most; the first part is sized for 2^20 ids, so far fewer false positives here
    assertThat(falsePositives).isLessThan(2_000); // under 1 %
  }

  @Test
  void pastItsBound_theFilterSaturates_andSaysMaybeForEverything() {
    IdFilter f = new IdFilter(64, 64 * 10 * 3); // room for the first part and one of twice its size
    Set<String> added = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      f.add(b("id" + i));
      added.add("id" + i);
    }
    assertThat(f.saturated()).isTrue();
    assertThat(f.mightContain(b("never added"))).isTrue();
    added.forEach(id -> assertThat(f.mightContain(b(id))).isTrue());
    IdFilter r = IdFilter.restore(f.save());
    assertThat(r.saturated()).isTrue();
    assertThat(r.mightContain(b("never added either"))).isTrue();
  }

  @Test
  void damagedOrTruncatedSaves_areNotUsed() {
    IdFilter f = new IdFilter(64, IdFilter.MAX_BITS);
    f.add(b("a"));
    byte[] saved = f.save();
    byte[] flipped = saved.clone();
    flipped[20] ^= 1;
    assertThat(IdFilter.restore(flipped)).isNull();
    assertThat(IdFilter.restore(java.util.Arrays.copyOf(saved, saved.length - 9))).isNull();
    assertThat(IdFilter.restore(new byte[3])).isNull();
    assertThat(IdFilter.restore(null)).isNull();
    byte[] otherVersion = saved.clone();
    otherVersion[0] = 2;
    assertThat(IdFilter.restore(otherVersion)).isNull();
  }
}
