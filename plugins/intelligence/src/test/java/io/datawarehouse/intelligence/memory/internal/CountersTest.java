package io.datawarehouse.intelligence.memory.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import java.util.List;

/** The saved form of the in-memory counters: round trip, and any damage is refused, not loaded. */
class CountersTest {

  private static Counters counted(List<@IntRange(min = 0, max = 3) Integer> tiers, List<@IntRange(min = 0, max = 5000) Integer> sizes) {
    Counters c = new Counters();
    Counters.Delta d = new Counters.Delta();
    for (int i = 0; i < Math.min(tiers.size(), sizes.size()); i++) {
      d.add(MemoryRecord.builder("r" + i).tier(MemoryTier.fromCode(tiers.get(i))).content(new byte[sizes.get(i)]).build(), 1);
    }
    c.apply(d);
    return c;
  }

  @Property(tries = 100)
  void saveRestore_roundTrips(@ForAll @Size(max = 30) List<@IntRange(min = 0, max = 3) Integer> tiers,
      @ForAll @Size(max = 30) List<@IntRange(min = 0, max = 5000) Integer> sizes) {
    Counters c = counted(tiers, sizes);
    Counters back = new Counters();
    assertThat(back.restore(c.save())).isTrue();
    assertThat(back.snapshot()).containsExactly(c.snapshot());
    assertThat(back.records()).isEqualTo(Math.min(tiers.size(), sizes.size()));
  }

  @Property(tries = 200)
  void damagedCopy_isRefusedAndChangesNothing(@ForAll @Size(min = 1, max = 10) List<@IntRange(min = 0, max = 3) Integer> tiers,
      @ForAll @IntRange(min = 0, max = 100) int position, @ForAll @IntRange(min = 1, max = 255) int flip) {
    byte[] saved = counted(tiers, List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)).save();
    saved[position % saved.length] ^= (byte) flip;
    Counters target = new Counters();
    assertThat(target.restore(saved)).isFalse();
    assertThat(target.snapshot()).containsOnly(0L);
  }

  @Property(tries = 50)
  void truncatedOrExtended_isRefused(@ForAll @IntRange(min = 0, max = 80) int length) {
    byte[] saved = new Counters().save();
    byte[] other = java.util.Arrays.copyOf(saved, length == saved.length ? length + 1 : length);
    assertThat(new Counters().restore(other)).isFalse();
  }

  @Property(tries = 50)
  void removingWhatWasAdded_returnsToZero(@ForAll @Size(max = 20) List<@IntRange(min = 0, max = 3) Integer> tiers) {
    Counters c = new Counters();
    Counters.Delta add = new Counters.Delta();
    Counters.Delta remove = new Counters.Delta();
    for (int i = 0; i < tiers.size(); i++) {
      MemoryRecord r = MemoryRecord.builder("r" + i).tier(MemoryTier.fromCode(tiers.get(i))).content("x".repeat(i)).build();
      add.add(r, 1);
      remove.add(r, -1);
    }
    c.apply(add);
    c.apply(remove);
    assertThat(c.snapshot()).containsOnly(0L);
  }
}
