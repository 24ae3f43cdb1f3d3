package io.datawarehouse.raid.internal.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.RecordLog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The degraded-write journal's records, torn transactions and when it may be emptied. */
class WriteJournalTest {
  static final int BS = 4096;
  /** One record: RecordLog's header (length, CRC32C, sequence) and the journal's header and block. */
  static final long RECORD = 16 + 31 + BS;
  static final long LOG_HEADER = 24;

  @TempDir
  Path tmp;

  static byte[] block(int fill) {
    byte[] b = new byte[BS];
    java.util.Arrays.fill(b, (byte) fill);
    return b;
  }

  @Test
  void transactions_comeBackInOrder_withTheirShards_afterReopen() {
    try (WriteJournal j = WriteJournal.open(tmp, BS)) {
      j.log(7, 0, new int[] {1, 3}, new byte[][] {block(1), block(2)}, true);
      j.done();
      j.log(9, 0, new int[] {0, 2, 3}, new byte[][] {block(3), block(4), block(5)}, false);
      j.force();
      j.done();
      assertThat(j.covers(7)).isTrue();
      assertThat(j.covers(8)).isFalse();
    }
    try (WriteJournal j = WriteJournal.open(tmp, BS)) {
      List<WriteJournal.Txn> txns = j.transactions();
      assertThat(txns).extracting(WriteJournal.Txn::stripe).containsExactly(7L, 9L);
      assertThat(txns.get(0).shards()).containsExactly(1, 3);
      assertThat(txns.get(1).shards()).containsExactly(0, 2, 3);
      assertThat(txns.get(1).contents()[2]).isEqualTo(block(5));
    }
  }

  @Test
  void transactionMissingRecords_tornByACrash_isNotReplayed() throws IOException {
    try (WriteJournal j = WriteJournal.open(tmp, BS)) {
      j.log(4, 0, new int[] {0, 1}, new byte[][] {block(1), block(2)}, true);
      j.log(5, 0, new int[] {0, 1, 2}, new byte[][] {block(3), block(4), block(5)}, true);
    }
    // the crash came while the second transaction was being appended: its last record is gone
    try (FileChannel ch = FileChannel.open(tmp.resolve(WriteJournal.FILE), StandardOpenOption.WRITE)) {
      ch.truncate(LOG_HEADER + 4 * RECORD);
    }
    try (WriteJournal j = WriteJournal.open(tmp, BS)) {
      assertThat(j.transactions()).extracting(WriteJournal.Txn::stripe).containsExactly(4L);
    }
  }

  @Test
  void recordOfAnotherBlockSizeOrFormat_isAnIntegrityError() {
    try (WriteJournal j = WriteJournal.open(tmp, BS)) {
      j.log(1, 0, new int[] {0}, new byte[][] {block(1)}, true);
    }
    try (WriteJournal j = WriteJournal.open(tmp, 2 * BS)) {
      assertThatThrownBy(j::transactions).isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY))
          .hasMessageContaining("block size");
    }
    try (RecordLog log = RecordLog.open(tmp.resolve(WriteJournal.FILE))) {
      log.append(new byte[] {9, 1, 2, 3}, true);
    }
    try (WriteJournal j = WriteJournal.open(tmp, BS)) {
      assertThatThrownBy(j::transactions).isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY))
          .hasMessageContaining("journal record");
    }
  }

  @Test
  void clearIfQuiet_onlyWhenNothingWasInFlightOrAppendedDuringTheFlush() {
    try (WriteJournal j = WriteJournal.open(tmp, BS)) {
      j.log(1, 0, new int[] {0}, new byte[][] {block(1)}, true);
      WriteJournal.Mark inFlight = j.mark();
      j.done();
      assertThat(j.clearIfQuiet(inFlight)).as("a write was in flight when the flush began").isFalse();
      WriteJournal.Mark quiet = j.mark();
      j.log(2, 0, new int[] {0}, new byte[][] {block(2)}, true);
      j.done();
      assertThat(j.clearIfQuiet(quiet)).as("a record was appended during the flush").isFalse();
      assertThat(j.isEmpty()).isFalse();
      assertThat(j.clearIfQuiet(j.mark())).isTrue();
      assertThat(j.isEmpty()).isTrue();
      assertThat(j.covers(1)).isFalse();
      assertThat(j.sizeBytes()).isEqualTo(LOG_HEADER);
      assertThat(j.transactions()).isEmpty();
    }
  }
}
