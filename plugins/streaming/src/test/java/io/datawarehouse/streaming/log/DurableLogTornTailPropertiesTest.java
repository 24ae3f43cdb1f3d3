package io.datawarehouse.streaming.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * A crash can cut the last segment at any byte: reopening keeps exactly the records that were
 * whole before the cut, and appending continues at the right offset.
 */
class DurableLogTornTailPropertiesTest {

  @Property(tries = 120)
  void cutAtAnyByte_keepsWholeRecordsOnly(@ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 300) Integer> sizes,
      @ForAll @IntRange(min = 0, max = 100_000) int cutSeed) throws IOException {
    Path dir = Files.createTempDirectory("dw-log-prop");
    try {
      List<Long> ends = new ArrayList<>();
      long end = DurableLog.SEGMENT_HEADER;
      try (DurableLog log = DurableLog.open(dir)) {
        for (int i = 0; i < sizes.size(); i++) {
          byte[] p = new byte[sizes.get(i)];
          Arrays.fill(p, (byte) (i + 1));
          log.append(p, i);
          end += DurableLog.RECORD_HEADER + p.length;
          ends.add(end);
        }
      }
      Path seg = dir.resolve(String.format("%020d.seg", 0));
      long size = Files.size(seg);
      assertThat(size).isEqualTo(end);
      long cut = DurableLog.SEGMENT_HEADER + (cutSeed % (size - DurableLog.SEGMENT_HEADER + 1));
      try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
        f.setLength(cut);
      }
      long whole = ends.stream().filter(e -> e <= cut).count();
      try (DurableLog log = DurableLog.open(dir)) {
        assertThat(log.nextOffset()).isEqualTo(whole);
        List<DurableLog.Entry> all = log.read(0, 1000);
        assertThat(all).hasSize((int) whole);
        for (DurableLog.Entry e : all) {
          assertThat(e.payload()).hasSize(sizes.get((int) e.offset()));
          assertThat(e.timestamp()).isEqualTo(e.offset());
        }
        assertThat(log.append(new byte[] {9}, 0)).isEqualTo(whole);
      }
    } finally {
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
