package io.datawarehouse.intelligence.memory.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IndexWriterTest {
  private static IndexWriter.Change change(int i) {
    return new IndexWriter.Change(("id" + i).getBytes(StandardCharsets.UTF_8), null,
        new IndexWriter.Entry(MemoryTier.values()[i & 3], "s", Set.of(), null));
  }

  private static String id(IndexWriter.Change c) {
    return new String(c.id(), StandardCharsets.UTF_8);
  }

  @Test
  void appliesEveryChangeInSubmissionOrder_andAwaitSeesThemAll() {
    List<String> applied = Collections.synchronizedList(new ArrayList<>());
    IndexWriter w = new IndexWriter("t", 100, g -> g.forEach(c -> applied.add(id(c))));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      w.submit(change(i));
      expected.add("id" + i);
      if (i % 997 == 0) {
        w.await();
        assertThat(applied).hasSize(i + 1);
      }
    }
    w.await();
    assertThat(applied).containsExactlyElementsOf(expected);
    assertThat(w.backlog()).isZero();
    assertThat(w.stop()).isTrue();
  }

  @Test
  void noopChanges_areDropped() {
    AtomicInteger seen = new AtomicInteger();
    IndexWriter w = new IndexWriter("t", 10, g -> seen.addAndGet(g.size()));
    IndexWriter.Entry e = new IndexWriter.Entry(MemoryTier.WORKING, "s", Set.of("a"), null);
    w.submit(new IndexWriter.Change(new byte[] {1}, e, new IndexWriter.Entry(MemoryTier.WORKING, "s", Set.of("a"), null)));
    w.submit(new IndexWriter.Change(new byte[] {2}, null, null));
    w.await();
    assertThat(seen).hasValue(0);
    w.submit(new IndexWriter.Change(new byte[] {3}, e, new IndexWriter.Entry(MemoryTier.WORKING, "t", Set.of("a"), null)));
    w.await();
    assertThat(seen).hasValue(1);
    w.stop();
  }

  @Test
  void aFullQueue_makesTheWriterWait_untilTheIndexerMakesRoom() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    IndexWriter w = new IndexWriter("t", 4, g -> {
      entered.countDown();
      release.await();
    });
    w.submit(change(0));
    assertThat(entered.await(10, TimeUnit.SECONDS)).as("the indexer took the first change and blocks in the sink").isTrue();
    for (int i = 1; i <= 4; i++) {
      w.submit(change(i)); // fills the queue
    }
    CountDownLatch submitted = new CountDownLatch(1);
    Thread writer = Thread.ofPlatform().start(() -> {
      w.submit(change(99));
      submitted.countDown();
    });
    assertThat(submitted.await(300, TimeUnit.MILLISECONDS)).as("the writer waits while the queue is full").isFalse();
    release.countDown();
    assertThat(submitted.await(10, TimeUnit.SECONDS)).isTrue();
    writer.join();
    w.await();
    assertThat(w.stop()).isTrue();
  }

  @Test
  void aFailedGroup_isFinal_andReportedToWritersAndReaders() {
    IndexWriter w = new IndexWriter("store-x", 100, g -> {
      throw DwException.unavailable("disk full", null);
    });
    w.submit(change(1));
    assertThatThrownBy(w::await).isInstanceOfSatisfying(DwException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
      assertThat(e.getMessage()).contains("store-x", "disk full", "reopen");
    });
    assertThat(w.failed()).isTrue();
    assertThatThrownBy(w::check).isInstanceOf(DwException.class);
    w.submit(change(2)); // dropped: the store rebuilds its indexes at the next open
    assertThat(w.stop()).as("stop reports that changes were lost").isFalse();
  }
}
