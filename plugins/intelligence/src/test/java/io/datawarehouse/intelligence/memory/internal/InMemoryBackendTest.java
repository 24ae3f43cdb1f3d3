package io.datawarehouse.intelligence.memory.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.PersistenceBackend;
import io.datawarehouse.intelligence.memory.PersistenceBackendContractTest;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.testkit.ManualTime;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract on the bounded in-memory backend, plus its bounds. */
class InMemoryBackendTest extends PersistenceBackendContractTest {

  @Override
  protected PersistenceBackend open(Path dir, Time time) {
    return new InMemoryBackend(time, 100_000, 64L << 20);
  }

  @Override
  protected boolean durable() {
    return false;
  }

  @Test
  void full_byRecords_refusesTheWholeBatchAndSaysWhy() {
    try (InMemoryBackend b = new InMemoryBackend(new ManualTime(), 3, 1 << 20)) {
      b.storeAll(List.of(rec("a"), rec("b")));
      assertThatThrownBy(() -> b.storeAll(List.of(rec("c"), rec("d"))))
          .isInstanceOfSatisfying(DwException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
            assertThat(e.getMessage()).contains("holds 2 records", "limits 3 records", "nothing was written");
          });
      assertThat(b.exists("c")).isFalse();
      b.store(rec("a")); // replacing does not need room
      b.store(rec("c"));
    }
  }

  @Test
  void full_byBytes_refuses() {
    try (InMemoryBackend b = new InMemoryBackend(new ManualTime(), 1000, 4096)) {
      b.store(MemoryRecord.builder("a").content(new byte[3000]).build());
      assertThatThrownBy(() -> b.store(MemoryRecord.builder("b").content(new byte[3000]).build()))
          .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED));
      b.delete("a");
      b.store(MemoryRecord.builder("b").content(new byte[3000]).build());
    }
  }
}
