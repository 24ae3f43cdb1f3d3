package io.datawarehouse.streaming.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.Source;
import io.datawarehouse.streaming.SourceCollector;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableLogTest {
  @TempDir
  Path dir;

  private static final DurableLog.Options SMALL = new DurableLog.Options(1024, 1 << 20, 256);

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> texts(List<DurableLog.Entry> entries) {
    return entries.stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8)).toList();
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
    }
  }

  @Test
  void append_readFromAnyOffset_acrossSegments_andAfterReopen() {
    try (DurableLog log = DurableLog.open(dir, SMALL)) {
      for (int i = 0; i < 200; i++) {
        assertThat(log.append(bytes("record-" + i), 1000 + i)).isEqualTo(i);
      }
      log.flush();
      assertThat(log.segmentCount()).isGreaterThan(3);
      List<DurableLog.Entry> from37 = log.read(37, 5);
      assertThat(texts(from37)).containsExactly("record-37", "record-38", "record-39", "record-40", "record-41");
      assertThat(from37.get(0).timestamp()).isEqualTo(1037);
    }
    try (DurableLog log = DurableLog.open(dir, SMALL)) {
      assertThat(log.nextOffset()).isEqualTo(200);
      DurableLog.Cursor c = log.new Cursor(0);
      List<String> all = new ArrayList<>();
      List<DurableLog.Entry> batch;
      while (!(batch = log.read(c, 17)).isEmpty()) {
        all.addAll(texts(batch));
      }
      assertThat(all).hasSize(200).startsWith("record-0").endsWith("record-199");
      assertThat(log.append(bytes("more"), 0)).isEqualTo(200);
    }
  }

  @Test
  void unflushedRecords_invisibleToReaders_untilFlush() {
    try (DurableLog log = DurableLog.open(dir)) {
      log.append(bytes("a"), 0);
      assertThat(log.read(0, 10)).isEmpty();
      log.flush();
      assertThat(texts(log.read(0, 10))).containsExactly("a");
    }
  }

  @Test
  void tornTail_incompleteRecord_cutOnOpen_appendsContinue() throws IOException {
    try (DurableLog log = DurableLog.open(dir)) {
      for (int i = 0; i < 5; i++) {
        log.append(bytes("r" + i), i);
      }
    }
    Path seg = segments().get(0);
    long size = Files.size(seg);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.setLength(size - 1); // the last record loses its last byte
    }
    try (DurableLog log = DurableLog.open(dir)) {
      assertThat(log.nextOffset()).isEqualTo(4);
      assertThat(log.append(bytes("r4 again"), 4)).isEqualTo(4);
      log.flush();
      assertThat(texts(log.read(3, 10))).containsExactly("r3", "r4 again");
    }
  }

  @Test
  void tornTail_zeroFilledTail_cutOnOpen() throws IOException {
    try (DurableLog log = DurableLog.open(dir)) {
      log.append(bytes("kept"), 0);
    }
    Path seg = segments().get(0);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.setLength(Files.size(seg) + 4096); // the file system extended the file, the data never came
    }
    try (DurableLog log = DurableLog.open(dir)) {
      assertThat(log.nextOffset()).isEqualTo(1);
      assertThat(Files.size(seg)).isEqualTo(DurableLog.SEGMENT_HEADER + DurableLog.RECORD_HEADER + 4);
    }
  }

  @Test
  void corruptRecordFollowedByData_integrityErrorOnOpen_notCut() throws IOException {
    try (DurableLog log = DurableLog.open(dir)) {
      for (int i = 0; i < 5; i++) {
        log.append(bytes("record " + i), i);
      }
    }
    Path seg = segments().get(0);
    long sizeBefore = Files.size(seg);
    flipByte(seg, DurableLog.SEGMENT_HEADER + DurableLog.RECORD_HEADER + 2);
    assertThatThrownBy(() -> DurableLog.open(dir)).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INTEGRITY))
        .hasMessageContaining(seg.toString()).hasMessageContaining("offset 0").hasMessageContaining("not a torn tail");
    assertThat(Files.size(seg)).isEqualTo(sizeBefore);
  }

  @Test
  void corruptRecordInOlderSegment_integrityErrorOnRead() throws IOException {
    try (DurableLog log = DurableLog.open(dir, SMALL)) {
      for (int i = 0; i < 100; i++) {
        log.append(bytes("record-" + i), i);
      }
    }
    Path first = segments().get(0);
    flipByte(first, DurableLog.SEGMENT_HEADER + DurableLog.RECORD_HEADER + 3);
    try (DurableLog log = DurableLog.open(dir, SMALL)) {
      assertThatThrownBy(() -> log.read(0, 10)).isInstanceOf(DwException.class)
          .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INTEGRITY))
          .hasMessageContaining(first.toString()).hasMessageContaining("checksum mismatch");
    }
  }

  @Test
  void badSegmentHeader_integrity() throws IOException {
    try (DurableLog log = DurableLog.open(dir)) {
      log.append(bytes("x"), 0);
    }
    flipByte(segments().get(0), 0);
    assertThatThrownBy(() -> DurableLog.open(dir)).hasMessageContaining("header mismatch");
  }

  @Test
  void truncate_acrossSegments_thenAppend() {
    try (DurableLog log = DurableLog.open(dir, SMALL)) {
      for (int i = 0; i < 100; i++) {
        log.append(bytes("record-" + i), i);
      }
      int before = log.segmentCount();
      log.truncate(10);
      assertThat(log.nextOffset()).isEqualTo(10);
      assertThat(log.segmentCount()).isLessThan(before);
      assertThat(log.append(bytes("new-10"), 10)).isEqualTo(10);
      log.flush();
      assertThat(texts(log.read(8, 10))).containsExactly("record-8", "record-9", "new-10");
      assertThatThrownBy(() -> log.truncate(50)).hasMessageContaining("holds 0..11");
    }
    try (DurableLog log = DurableLog.open(dir, SMALL)) {
      assertThat(log.nextOffset()).isEqualTo(11);
    }
  }

  @Test
  void deleteBefore_dropsWholeOldSegments_readsBelowFail() {
    try (DurableLog log = DurableLog.open(dir, SMALL)) {
      for (int i = 0; i < 100; i++) {
        log.append(bytes("record-" + i), i);
      }
      log.flush();
      assertThat(log.deleteBefore(60)).isPositive();
      assertThat(log.startOffset()).isBetween(1L, 60L);
      assertThatThrownBy(() -> log.read(0, 1)).isInstanceOf(DwException.class)
          .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
      assertThat(texts(log.read(60, 1))).containsExactly("record-60");
    }
  }

  @Test
  void recordAboveLimit_rejected() {
    try (DurableLog log = DurableLog.open(dir, new DurableLog.Options(4096, 10, 256))) {
      assertThatThrownBy(() -> log.append(new byte[11], 0)).hasMessageContaining("larger than the limit of 10");
    }
  }

  @Test
  void recordLargerThanBuffer_writtenDirectly_inOrder() {
    try (DurableLog log = DurableLog.open(dir, new DurableLog.Options(1 << 20, 1 << 16, 64))) {
      log.append(bytes("small"), 0);
      log.append(new byte[1000], 1);
      log.append(bytes("after"), 2);
      log.flush();
      List<DurableLog.Entry> e = log.read(0, 10);
      assertThat(e).hasSize(3);
      assertThat(e.get(1).payload()).hasSize(1000);
      assertThat(new String(e.get(2).payload(), StandardCharsets.UTF_8)).isEqualTo("after");
    }
  }

  @Test
  void followingSource_wakesOnFlush_boundedSourceEnds() throws Exception {
    try (DurableLog log = DurableLog.open(dir)) {
      Source<String> follow = log.source(Codec.strings(), true);
      List<String> got = new ArrayList<>();
      SourceCollector<String> into = new SourceCollector<>() {
        @Override
        public void accept(String record) {
          got.add(record);
        }

        @Override
        public void reject(byte[] payload, String problem) {
          throw new AssertionError(problem);
        }
      };
      assertThat(follow.poll(10, Duration.ZERO, into)).isZero();
      CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> {
        try {
          return follow.poll(10, Duration.ofMinutes(1), into);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      log.append(bytes("late"), 0);
      log.flush();
      assertThat(polled.get()).isEqualTo(1);
      assertThat(got).containsExactly("late");
      assertThat(follow.position()).isEqualTo(1);

      Source<String> replay = log.source(Codec.strings(), false);
      replay.seek(0);
      assertThat(replay.poll(10, Duration.ZERO, into)).isEqualTo(1);
      assertThat(replay.poll(10, Duration.ZERO, into)).isEqualTo(Source.END);
      assertThatThrownBy(() -> replay.seek(5)).hasMessageContaining("holds 0..1");
    }
  }

  static void flipByte(Path file, long position) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(position);
      int b = f.read();
      f.seek(position);
      f.write(b ^ 0x40);
    }
  }
}
