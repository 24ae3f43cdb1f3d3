package io.datawarehouse.raid.internal.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupStoreTest {
  @TempDir
  Path dir;

  static byte[] block(int seed) {
    byte[] b = new byte[4096];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return b;
  }

  @Test
  void put_identicalBlocks_areStoredOnce_withReferenceCounts() throws Exception {
    try (DedupStore s = DedupStore.open(dir)) {
      DedupStore.Ref a = s.put(block(1), 0, 4096);
      DedupStore.Ref b = s.put(block(1), 0, 4096);
      DedupStore.Ref c = s.put(block(2), 0, 4096);
      assertThat(a).isEqualTo(b);
      assertThat(c).isNotEqualTo(a);
      DedupStore.Stats st = s.stats();
      assertThat(st.blocks()).isEqualTo(2);
      assertThat(st.storedBytes()).isEqualTo(8192);
      assertThat(st.referencedBytes()).isEqualTo(3 * 4096);
      assertThat(st.ratio()).isEqualTo(1.5);
      assertThat(s.get(a)).isEqualTo(block(1));
    }
  }

  @Test
  void put_sameFingerprintDifferentBytes_isComparedByteForByte_andKeptApart() throws Exception {
    // a deliberately weak fingerprint: every block "collides"
    DedupStore.Fingerprint weak = (d, o, l) -> "00".repeat(32);
    try (DedupStore s = DedupStore.open(dir, weak)) {
      DedupStore.Ref a = s.put(block(1), 0, 4096);
      DedupStore.Ref b = s.put(block(2), 0, 4096);
      DedupStore.Ref a2 = s.put(block(1), 0, 4096);
      assertThat(b).isNotEqualTo(a);
      assertThat(a2).isEqualTo(a);
      assertThat(s.get(a)).isEqualTo(block(1));
      assertThat(s.get(b)).isEqualTo(block(2));
      assertThat(s.stats().collisions()).isEqualTo(1);
    }
  }

  @Test
  void gc_dropsUnreferencedBlocks_keepsTheRest_andSurvivesReopen() throws Exception {
    DedupStore.Ref keep;
    DedupStore.Ref drop;
    try (DedupStore s = DedupStore.open(dir)) {
      keep = s.put(block(1), 0, 4096);
      drop = s.put(block(2), 0, 4096);
      s.force();
      s.release(drop);
      assertThat(s.stats().unreferencedBlocks()).isEqualTo(1);
      assertThat(s.gc()).isEqualTo(4096 + 44);
      assertThat(s.stats().blocks()).isEqualTo(1);
      assertThat(s.get(keep)).isEqualTo(block(1));
    }
    try (DedupStore s = DedupStore.open(dir)) {
      s.setReferences(Map.of(keep, 1L));
      assertThat(s.get(keep)).isEqualTo(block(1));
      assertThatThrownBy(() -> s.get(drop)).isInstanceOf(DwException.class).hasMessageContaining("not stored");
    }
  }

  @Test
  void get_corruptedBlock_isAnIntegrityErrorNamingTheFile() throws Exception {
    DedupStore.Ref r;
    try (DedupStore s = DedupStore.open(dir)) {
      r = s.put(block(3), 0, 4096);
      s.force();
    }
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("blocks.dat").toFile(), "rw")) {
      f.seek(100);
      f.write(0x55);
    }
    try (DedupStore s = DedupStore.open(dir)) {
      assertThatThrownBy(() -> s.get(r)).isInstanceOf(DwException.class).hasMessageContaining("blocks.dat").hasMessageContaining("checksum");
    }
  }

  @Test
  void open_tornLastRecord_isCutOff() throws Exception {
    try (DedupStore s = DedupStore.open(dir)) {
      s.put(block(4), 0, 4096);
      s.force();
    }
    long good = Files.size(dir.resolve("blocks.dat"));
    Files.write(dir.resolve("blocks.dat"), HexFormat.of().parseHex("44574442000010"), java.nio.file.StandardOpenOption.APPEND);
    try (DedupStore s = DedupStore.open(dir)) {
      assertThat(s.stats().blocks()).isEqualTo(1);
    }
    assertThat(Files.size(dir.resolve("blocks.dat"))).isEqualTo(good);
  }
}
