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

  private static void raw(Path dir, RawBody body) throws Exception {
    RocksDB.loadLibrary();
    List<ColumnFamilyDescriptor> ds = new ArrayList<>();
    List<ColumnFamilyOptions> opts = new ArrayList<>();
    for (String n : CFS) {
      ColumnFamilyOptions o = new ColumnFamilyOptions();
      if (n.equals("meta")) {
        o.setMergeOperatorName("uint64add");
      }
      opts.add(o);
      ds.add(new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.UTF_8), o));
    }
    List<ColumnFamilyHandle> cfs = new ArrayList<>();
    try (DBOptions dbo = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        RocksDB db = RocksDB.open(dbo, dir.toString(), ds, cfs)) {
      body.run(db, cfs);
      for (ColumnFamilyHandle h : cfs) {
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
    assertThat(format(dir)).isEqualTo("dw-memory-rocksdb/2");
    raw(dir, (db, cfs) -> assertThat(db.get(cfs.get(6), Keys.utf8("records"))).as("old merge counters dropped").isNull());
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
          assertThat(e.getMessage()).contains("dw-memory-rocksdb/9", "dw-memory-rocksdb/2", dir.toString());
        });
    assertThat(format(dir)).isEqualTo("dw-memory-rocksdb/9");
    raw(dir, (db, cfs) -> assertThat(db.get(cfs.get(6), Keys.utf8("counters"))).isNull());
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
}
