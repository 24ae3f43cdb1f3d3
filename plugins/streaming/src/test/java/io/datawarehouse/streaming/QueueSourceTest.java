package io.datawarehouse.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bounded input queue: producers wait when it is full, and time out with a clear error. */
class QueueSourceTest {

  private static SourceCollector<Integer> into(List<Integer> out) {
    return new SourceCollector<>() {
      @Override
      public void accept(Integer record) {
        out.add(record);
      }

      @Override
      public void reject(byte[] payload, String problem) {
        throw new AssertionError(problem);
      }
    };
  }

  @Test
  void put_full_waitsUntilPolled_andCountsBackpressure() throws Exception {
    QueueSource<Integer> q = Sources.queue(2);
    q.put(1, Duration.ZERO);
    q.put(2, Duration.ZERO);
    AtomicInteger phase = new AtomicInteger();
    CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
      phase.set(1);
      q.put(3, Duration.ofMinutes(1));
      phase.set(2);
    });
    await().until(() -> phase.get() == 1);
    assertThat(producer).isNotDone();
    assertThat(q.size()).isEqualTo(2);
    List<Integer> got = new ArrayList<>();
    assertThat(q.poll(1, Duration.ZERO, into(got))).isEqualTo(1);
    producer.get();
    assertThat(phase.get()).isEqualTo(2);
    q.poll(10, Duration.ZERO, into(got));
    assertThat(got).containsExactly(1, 2, 3);
    assertThat(q.backpressureNanos()).isPositive();
    assertThat(q.position()).isEqualTo(3);
  }

  @Test
  void put_fullPastTimeout_resourceExhausted() {
    QueueSource<Integer> q = Sources.queue(1);
    q.put(1, Duration.ZERO);
    assertThatThrownBy(() -> q.put(2, Duration.ofMillis(20))).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED))
        .hasMessageContaining("stayed full (1 records)");
  }

  @Test
  void end_drainsThenEnds_putFails() throws Exception {
    QueueSource<Integer> q = Sources.queue(4);
    q.put(1, Duration.ZERO);
    q.end();
    assertThatThrownBy(() -> q.put(2, Duration.ZERO)).hasMessageContaining("has ended");
    List<Integer> got = new ArrayList<>();
    assertThat(q.poll(10, Duration.ZERO, into(got))).isEqualTo(1);
    assertThat(q.poll(10, Duration.ZERO, into(got))).isEqualTo(Source.END);
  }

  @Test
  void poll_empty_waitsThenReturnsZero() throws Exception {
    QueueSource<Integer> q = Sources.queue(4);
    assertThat(q.poll(10, Duration.ofMillis(5), into(new ArrayList<>()))).isZero();
    assertThatThrownBy(() -> q.seek(0)).hasMessageContaining("cannot seek");
  }
}
