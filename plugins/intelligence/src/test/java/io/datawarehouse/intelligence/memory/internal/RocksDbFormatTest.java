package io.datawarehouse.intelligence.memory.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.intelligence.memory.BackendStatistics;
import io.datawarehouse.intelligence.memory.MemoryQuery;
import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.testkit.ManualTime;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

/**
 * The on-disk format of the rocksdb backend: format 2 (counters saved only at a clean close), the
 * in-place migration of format 1, recounting after a crash or from damaged saved counters, and
 * the refusal of unknown formats.
 */
class RocksDbFormatTest {
  private static final List<String> CFS = List.of("default", "records", "idx_scope", "idx_tier", "idx_tag", "idx_expiry", "meta");
  @TempDir Path tmp;
  private final ManualTime time = new ManualTime();

  private static MemoryRecord rec(int i) {
    return MemoryRecord.builder("r" + i).tier(MemoryTier.fromCode(i % 4)).scope("s" + (i % 3)).tags("t" + (i % 2))
        .content("content " + i).createdAt(java.time.Instant.ofEpochSecond(1000 + i)).version(1).build();
  }

  /** Opens the raw RocksDB of a store with its column families, runs {@code body}, closes. */
  private interface RawBody {
    void run(RocksDB db, List<ColumnFamilyHandle> cfs) throws Exception;
  }

  /**
   * Opens the records database of a store, runs {@code body} with its handles at the positions of
   * {@link #CFS} (null for a family it does not have), closes. A directory without a database is
   * created with every family, as format 1 and 2 had them.
   */
  private static void raw(Path dir, RawBody body) throws Exception {
    open(dir, body);
  }

  /** The same for the store's index database (the four index families, at their {@link #CFS} positions). */
  private static void rawIndex(Path dir, RawBody body) throws Exception {
    open(dir.resolve(RocksDbBackend.INDEX_DIR), body);
  }

  private static void open(Path dir, RawBody body) throws Exception {
    RocksDB.loadLibrary();
    List<String> names = new ArrayList<>();
    if (java.nio.file.Files.exists(dir.resolve("CURRENT"))) {
      try (org.rocksdb.Options o = new org.rocksdb.Options()) {
        for (byte[] n : RocksDB.listColumnFamilies(o, dir.toString())) {
          names.add(new String(n, StandardCharsets.UTF_8));
        }
      }
    } else {
      names.addAll(CFS);
    }
    List<ColumnFamilyDescriptor> ds = new ArrayList<>();
    List<ColumnFamilyOptions> opts = new ArrayList<>();
    for (String n : names) {
      ColumnFamilyOptions o = new ColumnFamilyOptions();
      if (n.equals("meta")) {
        o.setMergeOperatorName("uint64add");
      }
      opts.add(o);
      ds.add(new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.UTF_8), o));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions dbo = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        RocksDB db = RocksDB.open(dbo, dir.toString(), ds, handles)) {
      List<ColumnFamilyHandle> cfs = new ArrayList<>(java.util.Collections.nCopies(CFS.size(), (ColumnFamilyHandle) null));
      for (int i = 0; i < names.size(); i++) {
        cfs.set(CFS.indexOf(names.get(i)), handles.get(i));
      }
      body.run(db, cfs);
      for (ColumnFamilyHandle h : handles) {
        h.close();
      }
    } finally {
      opts.forEach(ColumnFamilyOptions::close);
    }
  }

  private static byte[] le(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  private static String format(Path dir) throws Exception {
    String[] out = new String[1];
    raw(dir, (db, cfs) -> {
      byte[] f = db.get(cfs.get(6), Keys.utf8("format"));
      out[0] = f == null ? null : new String(f, StandardCharsets.UTF_8);
    });
    return out[0];
  }

  @Test
  void formatOne_isMigratedInPlace_recordsIndexesAndCountersKept() throws Exception {
    Path dir = tmp.resolve("v1");
    // a format-1 store as the previous build wrote it: records, index entries, merge-operand counters
    raw(dir, (db, cfs) -> {
      db.put(cfs.get(6), Keys.utf8("format"), Keys.utf8("dw-memory-rocksdb/1"));
      for (int i = 0; i < 20; i++) {
        MemoryRecord r = rec(i);
        byte[] id = Keys.utf8(r.id());
        db.put(cfs.get(1), id, RecordCodec.encode(r));
        db.put(cfs.get(2), Keys.scopeKey(r.scope(), r.tier(), id), new byte[0]);
        db.put(cfs.get(3), Keys.tierKey(r.tier(), id), new byte[0]);
        db.put(cfs.get(4), Keys.tagKey("t" + (i % 2), id), new byte[0]);
        db.merge(cfs.get(6), Keys.utf8("records"), le(1));
        db.merge(cfs.get(6), Keys.utf8("tier." + r.tier().code() + ".records"), le(1));
      }
    });
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(b.get("r7").orElseThrow().contentText()).isEqualTo("content 7");
      assertThat(b.count(MemoryQuery.builder().scope("s1").tier(MemoryTier.fromCode(1)).build())).isEqualTo(2); // i = 1, 13
      assertThat(b.count(MemoryQuery.builder().tagsAll(List.of("t0")).build())).isEqualTo(10);
      BackendStatistics st = b.statistics();
      assertThat(st.records()).isEqualTo(20);
      assertThat(st.tiers().get(MemoryTier.fromCode(2)).records()).isEqualTo(5);
      long bytes = b.getAll(List.of("r0", "r1", "r2")).values().stream().mapToLong(MemoryRecord::sizeBytes).sum();
      assertThat(bytes).isPositive();
      b.store(MemoryRecord.builder("new").build());
    }
    assertThat(format(dir)).isEqualTo("dw-memory-rocksdb/3");
    raw(dir, (db, cfs) -> {
      assertThat(db.get(cfs.get(6), Keys.utf8("records"))).as("old merge counters dropped").isNull();
      assertThat(cfs.subList(2, 6)).as("the index families moved to the index database").containsOnlyNulls();
    });
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(b.statistics().records()).isEqualTo(21);
    }
  }

  @Test
  void unknownFormat_isRefusedClearly_andTheDirectoryIsUntouched() throws Exception {
    Path dir = tmp.resolve("future");
    raw(dir, (db, cfs) -> {
      db.put(cfs.get(6), Keys.utf8("format"), Keys.utf8("dw-memory-rocksdb/9"));
      db.put(cfs.get(1), Keys.utf8("x"), new byte[] {1, 2, 3});
    });
    assertThatThrownBy(() -> RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
          assertThat(e.getMessage()).contains("dw-memory-rocksdb/9", "dw-memory-rocksdb/3", dir.toString());
        });
    assertThat(format(dir)).isEqualTo("dw-memory-rocksdb/9");
    raw(dir, (db, cfs) -> assertThat(db.get(cfs.get(6), Keys.utf8("counters"))).isNull());
    assertThat(dir.resolve(RocksDbBackend.INDEX_DIR)).doesNotExist();
  }

  @Test
  void countersSavedAtCleanClose_areRestored() throws Exception {
    Path dir = tmp.resolve("clean");
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      for (int i = 0; i < 10; i++) {
        b.store(rec(i));
      }
      b.delete("r0");
    }
    raw(dir, (db, cfs) -> assertThat(db.get(cfs.get(6), Keys.utf8("counters"))).as("saved at close").isNotNull());
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(b.statistics().records()).isEqualTo(9);
      assertThat(b.statistics().tiers().get(MemoryTier.fromCode(0)).records()).isEqualTo(2); // 4, 8
    }
  }

  @Test
  void damagedOrWrongSavedCounters_areRecountedFromTheRecords() throws Exception {
    Path dir = tmp.resolve("damaged");
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      for (int i = 0; i < 7; i++) {
        b.store(rec(i));
      }
    }
    raw(dir, (db, cfs) -> {
      byte[] saved = db.get(cfs.get(6), Keys.utf8("counters"));
      saved[3] ^= 0x40;
      db.put(cfs.get(6), Keys.utf8("counters"), saved);
    });
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(b.statistics().records()).isEqualTo(7);
      long expected = b.getAll(List.of("r0", "r1", "r2", "r3", "r4", "r5", "r6")).values().stream().mapToLong(MemoryRecord::sizeBytes).sum();
      assertThat(b.statistics().bytes()).isEqualTo(expected);
    }
  }

  @Test
  void openWithoutSavedCounters_likeAfterACrash_recounts() throws Exception {
    Path dir = tmp.resolve("crashed");
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      for (int i = 0; i < 5; i++) {
        b.store(rec(i));
      }
    }
    // what a kill -9 leaves: records written, no saved counters (they are deleted at open)
    raw(dir, (db, cfs) -> db.delete(cfs.get(6), Keys.utf8("counters")));
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(b.statistics().records()).isEqualTo(5);
    }
  }

  @Test
  void openAfterACrash_rebuildsTheIndexesFromTheRecords() throws Exception {
    Path dir = tmp.resolve("reindex");
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      for (int i = 0; i < 40; i++) {
        b.store(rec(i));
      }
    }
    // what a kill -9 can leave of WAL-less index entries: some lost, some stale (of a record since
    // deleted or moved), the saved counters absent
    raw(dir, (db, cfs) -> db.delete(cfs.get(6), Keys.utf8("counters")));
    rawIndex(dir, (db, cfs) -> {
      for (int i = 0; i < 40; i += 3) {
        MemoryRecord r = rec(i);
        byte[] id = Keys.utf8(r.id());
        db.delete(cfs.get(2), Keys.scopeKey(r.scope(), r.tier(), id));
        db.delete(cfs.get(3), Keys.tierKey(r.tier(), id));
        db.delete(cfs.get(4), Keys.tagKey("t" + (i % 2), id));
      }
      db.put(cfs.get(2), Keys.scopeKey("s1", MemoryTier.fromCode(1), Keys.utf8("ghost")), new byte[0]);
      db.put(cfs.get(4), Keys.tagKey("t0", Keys.utf8("r1")), new byte[0]); // r1 is tagged t1
    });
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      for (String scope : List.of("s0", "s1", "s2")) {
        for (MemoryTier t : MemoryTier.values()) {
          MemoryQuery q = MemoryQuery.builder().scope(scope).tier(t).build();
          assertThat(ids(b, q)).as("%s/%s", scope, t).isEqualTo(expected(r -> r.scope().equals(scope) && r.tier() == t));
        }
      }
      for (MemoryTier t : MemoryTier.values()) {
        assertThat(ids(b, MemoryQuery.builder().tier(t).build())).isEqualTo(expected(r -> r.tier() == t));
      }
      assertThat(ids(b, MemoryQuery.builder().tagsAll(List.of("t0")).build())).isEqualTo(expected(r -> r.tags().contains("t0")));
      assertThat(b.statistics().records()).isEqualTo(40);
    }
    rawIndex(dir, (db, cfs) ->
        assertThat(db.get(cfs.get(2), Keys.scopeKey("s1", MemoryTier.fromCode(1), Keys.utf8("ghost")))).as("stale entry gone").isNull());
    raw(dir, (db, cfs) -> assertThat(db.get(cfs.get(6), Keys.utf8("counters"))).as("saved at the clean close").isNotNull());
  }

  @Test
  void indexChangesOfTheLastWritesReachTheIndexesBeforeACleanClose() throws Exception {
    Path dir = tmp.resolve("drained");
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      for (int i = 0; i < 500; i++) {
        b.store(rec(i));
      }
      b.delete("r4");
    } // closed with changes possibly still queued: close applies and flushes them
    rawIndex(dir, (db, cfs) -> {
      MemoryRecord r = rec(499);
      assertThat(db.get(cfs.get(2), Keys.scopeKey(r.scope(), r.tier(), Keys.utf8(r.id())))).isNotNull();
      MemoryRecord gone = rec(4);
      assertThat(db.get(cfs.get(2), Keys.scopeKey(gone.scope(), gone.tier(), Keys.utf8(gone.id())))).isNull();
    });
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(b.count(MemoryQuery.builder().tagsAll(List.of("t1")).build())).isEqualTo(250);
    }
  }

  @Test
  void storeOfAnExistingId_afterAReopen_continuesItsVersion_whateverStateTheIdFilterIsIn() throws Exception {
    Path dir = tmp.resolve("ids");
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      for (int i = 0; i < 10; i++) {
        b.store(MemoryRecord.builder("r" + i).scope("s").content("v1").build());
      }
    }
    // clean close: the filter saved and restored
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(b.store(MemoryRecord.builder("r3").scope("s").content("v2").build()).version()).isEqualTo(2);
    }
    // damaged saved filter: rebuilt from the keys
    raw(dir, (db, cfs) -> {
      byte[] saved = db.get(cfs.get(6), Keys.utf8("idfilter"));
      assertThat(saved).as("saved at close").isNotNull();
      saved[30] ^= 0x10;
      db.put(cfs.get(6), Keys.utf8("idfilter"), saved);
    });
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(b.store(MemoryRecord.builder("r3").scope("s").content("v3").build()).version()).isEqualTo(3);
      assertThat(b.store(MemoryRecord.builder("r4").scope("s").content("v2").build()).version()).isEqualTo(2);
    }
    // what a crash leaves: neither counters nor filter saved
    raw(dir, (db, cfs) -> {
      db.delete(cfs.get(6), Keys.utf8("counters"));
      db.delete(cfs.get(6), Keys.utf8("idfilter"));
    });
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(b.store(MemoryRecord.builder("r3").scope("s").content("v4").build()).version()).isEqualTo(4);
      assertThat(b.store(MemoryRecord.builder("r9").scope("s").content("v2").build()).version()).isEqualTo(2);
      assertThat(b.count(MemoryQuery.builder().scope("s").build())).isEqualTo(10);
      assertThat(b.statistics().records()).isEqualTo(10);
    }
  }

  @Test
  void anIndexDatabaseThatIsMissingOrNotTheOneSavedAtClose_isRebuilt() throws Exception {
    Path dir = tmp.resolve("token");
    Path index = dir.resolve(RocksDbBackend.INDEX_DIR);
    Path older = tmp.resolve("older-index");
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      for (int i = 0; i < 20; i++) {
        b.store(rec(i));
      }
    }
    copyTree(index, older);
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      for (int i = 20; i < 40; i++) {
        b.store(rec(i));
      }
      b.delete("r0");
    }
    // an older copy of the index database: it lacks r20..r39 and still has r0
    deleteTree(index);
    copyTree(older, index);
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(ids(b, MemoryQuery.builder().tagsAll(List.of("t0")).build()))
          .isEqualTo(expected(r -> r.tags().contains("t0") && !r.id().equals("r0")));
    }
    deleteTree(index);
    try (RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time)) {
      assertThat(ids(b, MemoryQuery.builder().scope("s2").build())).isEqualTo(expected(r -> r.scope().equals("s2")));
    }
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var s = java.nio.file.Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        java.nio.file.Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private static void deleteTree(Path p) throws java.io.IOException {
    try (var s = java.nio.file.Files.walk(p)) {
      for (Path x : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
        java.nio.file.Files.delete(x);
      }
    }
  }

  private static List<String> expected(java.util.function.Predicate<MemoryRecord> p) {
    return java.util.stream.IntStream.range(0, 40).mapToObj(RocksDbFormatTest::rec).filter(p).map(MemoryRecord::id).sorted().toList();
  }

  private static List<String> ids(RocksDbBackend b, MemoryQuery q) {
    try (var s = b.query(q)) {
      return s.map(MemoryRecord::id).toList();
    }
  }
}
