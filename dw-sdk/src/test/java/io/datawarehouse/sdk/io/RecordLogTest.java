package io.datawarehouse.sdk.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordLogTest {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void append_reopen_readsEveryRecordInOrder() {
    Path f = tmp.resolve("x.log");
    try (RecordLog log = RecordLog.open(f)) {
      assertThat(log.append(b("a"), true)).isEqualTo(1);
      assertThat(log.append(b("bb"), false)).isEqualTo(2);
      assertThat(log.append(new byte[0], true)).isEqualTo(3);
    }
    try (RecordLog log = RecordLog.open(f)) {
      List<RecordLog.Entry> all = log.readFrom(1);
      assertThat(all).extracting(RecordLog.Entry::seq).containsExactly(1L, 2L, 3L);
      assertThat(new String(all.get(1).payload(), StandardCharsets.UTF_8)).isEqualTo("bb");
      assertThat(log.readFrom(3)).hasSize(1);
      assertThat(log.nextSeq()).isEqualTo(4);
      assertThat(log.count()).isEqualTo(3);
    }
  }

  @Test
  void clear_keepsNumberingAndChangesEpoch() {
    Path f = tmp.resolve("x.log");
    try (RecordLog log = RecordLog.open(f)) {
      log.append(b("a"), true);
      log.append(b("b"), true);
      long epoch = log.epoch();
      log.clear();
      assertThat(log.count()).isZero();
      assertThat(log.epoch()).isNotEqualTo(epoch);
      assertThat(log.append(b("c"), true)).isEqualTo(3);
    }
    try (RecordLog log = RecordLog.open(f)) {
      assertThat(log.readFrom(0)).extracting(RecordLog.Entry::seq).containsExactly(3L);
      assertThat(log.firstSeq()).isEqualTo(3);
    }
  }

  @Property(tries = 60)
  void tornTail_isCutOff_andEveryCompleteRecordSurvives(@ForAll @Size(min = 1, max = 20) List<@Size(max = 300) byte[]> payloads,
      @ForAll @IntRange(min = 1, max = 400) int cut) throws IOException {
    Path dir = Files.createTempDirectory("recordlog"); // jqwik properties get no @TempDir
    Path f = dir.resolve("t.log");
    List<Long> ends = new ArrayList<>();
    try (RecordLog log = RecordLog.open(f)) {
      for (byte[] p : payloads) {
        log.append(p, false);
        ends.add(log.sizeBytes());
      }
    }
    long size = Files.size(f);
    long newSize = Math.max(RecordLog.HEADER, size - cut);
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(newSize);
    }
    int complete = 0;
    while (complete < ends.size() && ends.get(complete) <= newSize) {
      complete++;
    }
    try (RecordLog log = RecordLog.open(f)) {
      List<RecordLog.Entry> got = log.readFrom(0);
      assertThat(got).hasSize(complete);
      for (int i = 0; i < complete; i++) {
        assertThat(got.get(i).payload()).isEqualTo(payloads.get(i));
      }
      assertThat(log.append(b("after"), true)).isEqualTo(complete + 1);
    } finally {
      Files.deleteIfExists(f);
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void damageInTheMiddle_isIntegrityErrorNamingTheFile() throws IOException {
    Path f = tmp.resolve("m.log");
    try (RecordLog log = RecordLog.open(f)) {
      for (int i = 0; i < 5; i++) {
        log.append(b("record number " + i), true);
      }
    }
    byte[] bytes = Files.readAllBytes(f);
    bytes[RecordLog.HEADER + RecordLog.RECORD_HEADER + 3] ^= 0x40; // a payload byte of record 1
    Files.write(f, bytes);
    assertThatThrownBy(() -> RecordLog.open(f)).isInstanceOfSatisfying(DwException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY);
      assertThat(e.getMessage()).contains(f.toString()).contains("valid records after it");
    });
  }

  @Test
  void damagedLengthFieldInTheMiddle_isStillDetected() throws IOException {
    Path f = tmp.resolve("l.log");
    try (RecordLog log = RecordLog.open(f)) {
      for (int i = 0; i < 5; i++) {
        log.append(b("payload " + i), true);
      }
    }
    byte[] bytes = Files.readAllBytes(f);
    bytes[RecordLog.HEADER] = 0x7f; // record 1's length becomes huge: looks like a torn tail, but records follow
    Files.write(f, bytes);
    assertThatThrownBy(() -> RecordLog.open(f)).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY));
  }

  @Test
  void notARecordLog_isIntegrityError() throws IOException {
    Path f = tmp.resolve("other.bin");
    Files.write(f, b("this is not a record log at all, just text"));
    assertThatThrownBy(() -> RecordLog.open(f)).hasMessageContaining("header mismatch");
  }
}
