package io.datawarehouse.intelligence.memory.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.intelligence.memory.MemoryQuery;
import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.intelligence.memory.PersistenceBackend;
import io.datawarehouse.intelligence.memory.PersistenceBackendContractTest;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The contract on RocksDB, plus what only it does: the planner's index choice, checkpoints, spills. */
class RocksDbBackendTest extends PersistenceBackendContractTest {

  @Override
  protected PersistenceBackend open(Path dir, Time time) {
    return RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time);
  }

  @Override
  protected boolean durable() {
    return true;
  }

  private RocksDbBackend rocks() {
    return (RocksDbBackend) backend;
  }

  @Test
  void plan_usesTheMostSpecificIndex() {
    assertThat(rocks().explain(MemoryQuery.builder().scope("s").tier(MemoryTier.WORKING).build())).isEqualTo("index idx_scope x1");
    assertThat(rocks().explain(MemoryQuery.builder().scope("s").tier(MemoryTier.WORKING, MemoryTier.ARCHIVE).build()))
        .isEqualTo("index idx_scope x2");
    assertThat(rocks().explain(MemoryQuery.builder().scope("s").build())).isEqualTo("index idx_scope x4");
    assertThat(rocks().explain(MemoryQuery.builder().tagsAll(List.of("a", "b")).build())).isEqualTo("index idx_tag x1");
    assertThat(rocks().explain(MemoryQuery.builder().tier(MemoryTier.WORKING).build())).isEqualTo("index idx_tier x1");
    assertThat(rocks().explain(MemoryQuery.builder().tagsAny(List.of("a", "b")).build())).isEqualTo("index idx_tag x2");
    assertThat(rocks().explain(MemoryQuery.all())).isEqualTo("scan records");
  }

  @Test
  void indexedQuery_readsOnlyMatchingRecords() {
    List<MemoryRecord> batch = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      batch.add(MemoryRecord.builder("r" + i).scope("s" + (i % 10)).tier(MemoryTier.values()[i % 4]).build());
    }
    backend.storeAll(batch);
    long before = backend.statistics().reads();
    try (Stream<MemoryRecord> s = backend.query(MemoryQuery.builder().scope("s3").tier(MemoryTier.LONG_TERM).build())) {
      assertThat(s.count()).isEqualTo(0); // i % 10 == 3 means i odd, tier long-term needs i % 4 == 2
    }
    try (Stream<MemoryRecord> s = backend.query(MemoryQuery.builder().scope("s2").tier(MemoryTier.LONG_TERM).build())) {
      assertThat(s.count()).isEqualTo(100);
    }
    assertThat(backend.statistics().reads() - before).isEqualTo(100);
  }

  @Test
  void sortWithoutLimit_spillsToDiskAndStaysOrdered() {
    List<MemoryRecord> batch = new ArrayList<>();
    String big = "x".repeat(64 * 1024);
    for (int i = 0; i < 600; i++) {
      batch.add(MemoryRecord.builder(String.format("r%04d", i)).content(big).importance((i * 37 % 600) / 600.0).build());
      if (batch.size() == 100) {
        backend.storeAll(batch);
        batch.clear();
      }
    }
    try (Stream<MemoryRecord> s = backend.query(MemoryQuery.builder().sort(MemoryQuery.SortField.IMPORTANCE, MemoryQuery.Direction.DESC).build())) {
      List<Double> imp = s.map(MemoryRecord::importance).toList();
      assertThat(imp).hasSize(600).isSortedAccordingTo((a, b) -> Double.compare(b, a));
    }
  }

  @Test
  void checkpoint_opensAsACopyOfTheStore() throws Exception {
    backend.store(MemoryRecord.builder("a").content("kept").tags("t").build());
    Path cp = dir.resolveSibling(dir.getFileName() + "-checkpoint");
    try {
      backend.checkpoint(cp);
      backend.store(MemoryRecord.builder("b").build());
      try (PersistenceBackend copy = RocksDbBackend.open(cp, RocksDbBackend.Options.defaults(), time)) {
        assertThat(copy.get("a").orElseThrow().contentText()).isEqualTo("kept");
        assertThat(copy.exists("b")).isFalse();
        assertThat(copy.count(MemoryQuery.builder().tagsAll(List.of("t")).build())).isEqualTo(1);
      }
      assertThatThrownBy(() -> backend.checkpoint(cp))
          .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    } finally {
      deleteTree(cp);
    }
  }

  @Test
  void secondOpenOfTheSameDirectory_isUnavailable() {
    assertThatThrownBy(() -> RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), time))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
          assertThat(e.getMessage()).contains(dir.toString());
        });
  }

  @Test
  void queryStreamLeftOpen_isClosedWithTheBackend() {
    backend.store(MemoryRecord.builder("a").build());
    Stream<MemoryRecord> s = backend.query(MemoryQuery.all());
    backend.close();
    assertThatThrownBy(() -> s.count()).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    s.close();
  }
}
