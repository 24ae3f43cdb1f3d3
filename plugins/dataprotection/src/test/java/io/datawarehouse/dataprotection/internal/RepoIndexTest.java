package io.datawarehouse.dataprotection.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.crypto.Aead;
import io.datawarehouse.sdk.crypto.AeadKey;
import io.datawarehouse.sdk.crypto.Hmac;
import io.datawarehouse.sdk.crypto.HmacKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blob index over its file-backed table: against a plain map of the same entries (first
 * location of an id wins), across the table's growth; index files of at most 32 packs; nothing
 * left in the temporary directory.
 */
class RepoIndexTest {
  @TempDir Path tmp;

  @Property(tries = 25)
  void lookups_matchAPlainMap_acrossGrowth(@ForAll long seed, @ForAll @IntRange(min = 0, max = 12_000) int n) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    Path dir = Files.createTempDirectory("repo-index-test");
    Map<BlobId, BlobLocation> expected = new HashMap<>();
    List<BlobId> ids = new ArrayList<>();
    java.util.Set<String> packsNamed = new java.util.HashSet<>();
    try (RepoIndex index = new RepoIndex(dir)) {
      List<BlobLocation> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // about one in ten entries repeats an earlier id at another location: the first one stays
        BlobId id = !ids.isEmpty() && r.nextInt(10) == 0 ? ids.get(r.nextInt(ids.size())) : randomId(r);
        ids.add(id);
        BlobLocation loc = new BlobLocation(id, pack(r.nextInt(40)), r.nextLong(1L << 40), 1 + r.nextInt(1 << 24),
            r.nextInt(1 << 24), r.nextBoolean());
        expected.putIfAbsent(id, loc);
        packsNamed.add(loc.pack()); // a pack is named even when all its entries were duplicates
        batch.add(loc);
        if (batch.size() == 100 || i == n - 1) {
          index.addAll(batch, "idx" + i);
          batch.clear();
        }
      }
      assertThat(index.size()).isEqualTo(expected.size());
      for (Map.Entry<BlobId, BlobLocation> e : expected.entrySet()) {
        assertThat(index.get(e.getKey())).isEqualTo(e.getValue());
        assertThat(index.contains(e.getKey())).isTrue();
      }
      for (int i = 0; i < 200; i++) {
        BlobId absent = randomId(r);
        assertThat(index.get(absent)).isNull();
        assertThat(index.contains(absent)).isFalse();
      }
      Map<BlobId, BlobLocation> all = new HashMap<>();
      index.forEach(l -> assertThat(all.put(l.id(), l)).isNull());
      assertThat(all).isEqualTo(expected);
      assertThat(index.packs()).containsExactlyInAnyOrderElementsOf(packsNamed);
    }
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).as("the table's file is unlinked while open").isEmpty();
    }
    Files.delete(dir);
  }

  @Test
  void theHeapHoldsNoEntryPerBlob_theTableFileGrowsInstead() {
    SplittableRandom r = new SplittableRandom(3);
    try (RepoIndex index = new RepoIndex(tmp)) {
      List<BlobLocation> batch = new ArrayList<>();
      for (int i = 0; i < 50_000; i++) {
        batch.add(new BlobLocation(randomId(r), pack(i / 500), i * 1000L, 1000, 900, true));
      }
      index.addAll(batch, "one");
      assertThat(index.size()).isEqualTo(50_000);
      // 64-byte slots at most half full: the whole index is in the table file
      assertThat(index.tableBytes()).isBetween(50_000L * 2 * BlobTable.SLOT / 2, 50_000L * 4 * BlobTable.SLOT);
    }
  }

  @Test
  void writeAll_splitsIntoFilesOfAtMost32Packs_andLoadReadsThemAll() {
    Sealer sealer = new Sealer(Aead.create(AeadKey.generate()), Hmac.create(HmacKey.generate()), 2);
    RepoLayout layout = new RepoLayout(tmp.resolve("repo"));
    SplittableRandom r = new SplittableRandom(9);
    Map<String, List<BlobLocation>> packs = new LinkedHashMap<>();
    for (int p = 0; p < 70; p++) {
      List<BlobLocation> l = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        l.add(new BlobLocation(randomId(r), pack(p), 8 + i * 100L, 100, 90, false));
      }
      packs.put(pack(p), l);
    }
    List<String> names = RepoIndex.writeAll(layout, sealer, packs);
    assertThat(names).hasSize(3);
    int listed = 0;
    for (String name : names) {
      Map<String, List<BlobLocation>> m = RepoIndex.read(layout, sealer, name);
      assertThat(m.size()).isLessThanOrEqualTo(RepoIndex.PACKS_PER_FILE);
      listed += m.size();
    }
    assertThat(listed).isEqualTo(70);
    try (RepoIndex loaded = RepoIndex.load(layout, sealer, null)) {
      assertThat(loaded.size()).isEqualTo(350);
      for (List<BlobLocation> l : packs.values()) {
        for (BlobLocation b : l) {
          assertThat(loaded.get(b.id())).isEqualTo(b);
        }
      }
    }
    Map<String, List<BlobLocation>> tooMany = new LinkedHashMap<>(packs);
    assertThatThrownBy(() -> RepoIndex.write(layout, sealer, tooMany)).isInstanceOf(IllegalArgumentException.class);
  }

  private static BlobId randomId(SplittableRandom r) {
    byte[] b = new byte[BlobId.SIZE];
    r.nextBytes(b);
    return BlobId.of(b);
  }

  private static String pack(int n) {
    byte[] b = new byte[16];
    b[0] = (byte) n;
    b[15] = (byte) (n * 7);
    return HexFormat.of().formatHex(b);
  }
}
