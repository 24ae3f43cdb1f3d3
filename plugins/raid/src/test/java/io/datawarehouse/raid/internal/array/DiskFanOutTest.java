package io.datawarehouse.raid.internal.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The per-disk fan-out: every part runs once, failures come back after every part is done. */
class DiskFanOutTest {

  @Test
  void everyPartRunsExactlyOnce() {
    for (int parts : new int[] {0, 1, 2, 6, 40}) {
      AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, parts));
      DiskFanOut.run(parts, runs::incrementAndGet);
      for (int i = 0; i < parts; i++) {
        assertThat(runs.get(i)).as("part %d of %d", i, parts).isEqualTo(1);
      }
    }
  }

  @Test
  void aFailingPart_isRethrownAfterEveryOtherPartIsDone_withTheOthersSuppressed() {
    AtomicIntegerArray done = new AtomicIntegerArray(6);
    assertThatThrownBy(() -> DiskFanOut.run(6, i -> {
      if (i == 1 || i == 4) {
        throw new IllegalStateException("part " + i);
      }
      sleep(20);
      done.set(i, 1);
    })).isInstanceOf(IllegalStateException.class).satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    for (int i : new int[] {0, 2, 3, 5}) {
      assertThat(done.get(i)).as("part %d finished before run returned", i).isEqualTo(1);
    }
  }

  @Test
  void anInterruptedCaller_stillWaitsForEveryPart_andKeepsItsInterrupt() {
    AtomicIntegerArray done = new AtomicIntegerArray(4);
    Thread caller = Thread.currentThread();
    try {
      DiskFanOut.run(4, i -> {
        if (i == 0) {
          caller.interrupt();
        }
        sleep(30);
        done.set(i, 1);
      });
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    for (int i = 0; i < 4; i++) {
      assertThat(done.get(i)).as("part %d", i).isEqualTo(1);
    }
  }

  private static void sleep(long ms) {
    long end = System.nanoTime() + ms * 1_000_000;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }
}
