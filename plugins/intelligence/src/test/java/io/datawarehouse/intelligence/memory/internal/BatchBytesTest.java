package io.datawarehouse.intelligence.memory.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

class BatchBytesTest {
  static {
    RocksDB.loadLibrary();
  }

  record Op(boolean put, int cf, byte[] key) {}

  @Property(tries = 300)
  void serializedBatch_isByteForByteWhatWriteBatchBuilds(@ForAll("opLists") List<Op> ops) throws Exception {
    BatchBytes bb = new BatchBytes();
    try (WriteBatch wb = new WriteBatch()) {
      for (Op op : ops) {
        if (op.put()) {
          bb.putEmpty(op.cf(), op.key());
        } else {
          bb.delete(op.cf(), op.key());
        }
      }
      // the same operations through the JNI calls, on handles with the same ids
      Path dir = Files.createTempDirectory("batchbytes");
      List<ColumnFamilyDescriptor> ds = new ArrayList<>();
      ds.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY));
      for (int i = 1; i <= 3; i++) {
        ds.add(new ColumnFamilyDescriptor(("cf" + i).getBytes()));
      }
      List<ColumnFamilyHandle> hs = new ArrayList<>();
      try (DBOptions o = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
          RocksDB db = RocksDB.open(o, dir.toString(), ds, hs)) {
        for (Op op : ops) {
          ColumnFamilyHandle h = hs.stream().filter(x -> x.getID() == op.cf()).findFirst().orElseThrow();
          if (op.put()) {
            wb.put(h, op.key(), new byte[0]);
          } else {
            wb.delete(h, op.key());
          }
        }
        byte[] mine = bb.toBytes();
        assertThat(mine).isEqualTo(wb.data());
        // and RocksDB accepts and applies it
        try (WriteBatch fromBytes = new WriteBatch(mine); WriteOptions wo = new WriteOptions()) {
          db.write(wo, fromBytes);
        }
        for (ColumnFamilyHandle h : hs) {
          try (ReadOptions ro = new ReadOptions(); RocksIterator it = db.newIterator(h, ro)) {
            it.seekToFirst(); // readable; contents follow from the byte equality above
          }
          h.close();
        }
      } finally {
        try (var s = Files.walk(dir)) {
          s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  @Property(tries = 50)
  void largeBatches_growTheBuffer(@ForAll @IntRange(min = 1, max = 5000) int n) throws Exception {
    BatchBytes bb = new BatchBytes();
    try (WriteBatch wb = new WriteBatch()) {
      for (int i = 0; i < n; i++) {
        byte[] k = ("key-" + i + "-".repeat(i % 300)).getBytes();
        bb.putEmpty(0, k);
        wb.put(k, new byte[0]);
      }
      assertThat(bb.toBytes()).isEqualTo(wb.data());
      assertThat(bb.count()).isEqualTo(n);
    }
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<List<Op>> opLists() {
    return net.jqwik.api.Combinators.combine(net.jqwik.api.Arbitraries.of(true, false), net.jqwik.api.Arbitraries.integers().between(0, 3),
        net.jqwik.api.Arbitraries.bytes().array(byte[].class).ofMaxSize(300)).as(Op::new).list().ofMaxSize(60);
  }
}
