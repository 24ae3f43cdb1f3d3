package io.datawarehouse.tamperproof.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.tamperproof.ledger.Checkpoint;
import io.datawarehouse.tamperproof.ledger.ConsistencyProof;
import io.datawarehouse.tamperproof.ledger.InclusionProof;
import io.datawarehouse.tamperproof.ledger.LedgerVerifier;
import io.datawarehouse.testkit.ManualTime;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {
  @TempDir Path dir;
  final ManualTime time = new ManualTime();

  private static byte[] entry(int i) {
    return ("{\"seq\":" + i + ",\"type\":\"TEST\"}").getBytes(StandardCharsets.UTF_8);
  }

  private Ledger openWith(int entries) {
    Ledger l = Ledger.open(dir, time, (i, e) -> {});
    for (int i = 0; i < entries; i++) {
      l.appendDurable(entry(i));
    }
    return l;
  }

  @Test
  void open_reopened_hasSameEntriesRootAndCheckpoint() {
    Checkpoint cp;
    byte[] root;
    try (Ledger l = openWith(25)) {
      cp = l.checkpoint();
      root = l.rootAt(25);
      assertThat(cp.treeSize()).isEqualTo(25);
    }
    List<byte[]> seen = new ArrayList<>();
    try (Ledger l = Ledger.open(dir, time, (i, e) -> seen.add(e))) {
      assertThat(l.size()).isEqualTo(25);
      assertThat(seen).hasSize(25);
      assertThat(seen.get(7)).isEqualTo(entry(7));
      assertThat(l.rootAt(25)).isEqualTo(root);
      assertThat(l.latestCheckpoint()).isEqualTo(cp);
      assertThat(l.checkpointCount()).isEqualTo(1);
      assertThat(l.recovered()).isEmpty();
    }
  }

  @Test
  void checkpoint_proofsFromLedger_verifyWithOnlyThePublicKeyFile() {
    try (Ledger l = openWith(10)) {
      Checkpoint first = l.checkpoint();
      for (int i = 10; i < 33; i++) {
        l.appendDurable(entry(i));
      }
      time.advance(Duration.ofMinutes(1));
      Checkpoint second = l.checkpoint();
      LedgerVerifier v = LedgerVerifier.forKeyFile(dir.resolve(Ledger.PUBLIC_KEY_FILE));
      InclusionProof p = l.inclusionProof(17, second.treeSize());
      assertThat(v.verifyInclusion(l.entry(17), p, second).valid()).isTrue();
      ConsistencyProof c = l.consistencyProof(first.treeSize(), second.treeSize());
      assertThat(v.verifyConsistency(c, first, second).valid()).isTrue();
      assertThat(l.checkpoint()).as("nothing new: the same checkpoint").isSameAs(second);
    }
  }

  @Test
  void open_tornTailPastCheckpoint_isCutOffAndKeptAsEvidence() throws Exception {
    try (Ledger l = openWith(5)) {
      l.checkpoint();
      l.appendDurable(entry(5));
    }
    Path log = dir.resolve(Ledger.LOG_FILE);
    long goodSize = Files.size(log);
    // an append interrupted by a crash: a header promising 40 bytes, and only 3 of them
    ByteBuffer torn = ByteBuffer.allocate(11).putInt(40).putInt(0x1234).put(new byte[] {1, 2, 3});
    Files.write(log, torn.array(), java.nio.file.StandardOpenOption.APPEND);
    try (Ledger l = Ledger.open(dir, time, (i, e) -> {})) {
      assertThat(l.size()).isEqualTo(6);
      assertThat(l.recovered()).singleElement().satisfies(t -> {
        assertThat(t.index()).isEqualTo(6);
        assertThat(t.bytes()).isEqualTo(11);
        assertThat(Files.readAllBytes(t.evidence())).isEqualTo(torn.array());
      });
      assertThat(Files.size(log)).isEqualTo(goodSize);
      l.appendDurable(entry(6));
      assertThat(l.checkpoint().treeSize()).isEqualTo(7);
    }
  }

  @Test
  void open_truncatedBelowCheckpoint_isRefusedAsTampering() throws Exception {
    checkpointed(8);
    Path log = dir.resolve(Ledger.LOG_FILE);
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      f.setLength(f.length() - entry(7).length - AppendLog.RECORD_HEADER);
    }
    assertOpenRefused("truncated");
  }

  @Test
  void open_truncatedMidRecordBelowCheckpoint_isRefusedNotRepaired() throws Exception {
    checkpointed(8);
    Path log = dir.resolve(Ledger.LOG_FILE);
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      f.setLength(f.length() - 3);
    }
    assertOpenRefused("acknowledged");
    assertThat(Files.size(log)).as("nothing cut").isGreaterThan(0);
  }

  @Test
  void open_entryEditedWithValidChecksum_isRefusedByTheCheckpointRoot() throws Exception {
    checkpointed(8);
    rewriteEntry(3, "{\"seq\":3,\"type\":\"TEXT\"}".getBytes(StandardCharsets.UTF_8));
    assertOpenRefused("altered, reordered or replaced");
  }

  @Test
  void open_entryEditedWithoutFixingChecksum_isRefused() throws Exception {
    checkpointed(8);
    Path log = dir.resolve(Ledger.LOG_FILE);
    byte[] all = Files.readAllBytes(log);
    int at = AppendLog.HEADER + AppendLog.RECORD_HEADER + 3;
    all[at] ^= 0x20;
    Files.write(log, all);
    assertOpenRefused("entry 0");
  }

  @Test
  void open_entriesReordered_isRefused() throws Exception {
    checkpointed(4);
    // entries 1 and 2 have the same length: swap them, checksums and all
    Path log = dir.resolve(Ledger.LOG_FILE);
    byte[] all = Files.readAllBytes(log);
    int rec = AppendLog.RECORD_HEADER + entry(0).length;
    int a = AppendLog.HEADER + rec;
    byte[] tmp = java.util.Arrays.copyOfRange(all, a, a + rec);
    System.arraycopy(all, a + rec, all, a, rec);
    System.arraycopy(tmp, 0, all, a + rec, rec);
    Files.write(log, all);
    assertOpenRefused("");
  }

  @Test
  void open_keyDeleted_isRefused() throws Exception {
    openWith(2).close();
    Files.delete(dir.resolve(Ledger.KEY_FILE));
    assertOpenRefused("signing key");
  }

  @Test
  void open_ledgerDeleted_isRefusedNotRecreated() throws Exception {
    openWith(2).close();
    Files.delete(dir.resolve(Ledger.LOG_FILE));
    assertOpenRefused("deleted");
    assertThat(dir.resolve(Ledger.LOG_FILE)).doesNotExist();
  }

  @Test
  void open_checkpointSignatureForged_isRefused() throws Exception {
    checkpointed(3);
    Path cps = dir.resolve(Ledger.CHECKPOINT_FILE);
    String json = new String(Files.readAllBytes(cps), StandardCharsets.ISO_8859_1);
    String edited = json.replace("\"treeSize\":3", "\"treeSize\":2");
    // rewrite the one record with a valid checksum so only the signature can tell
    byte[] body = edited.substring(AppendLog.HEADER + AppendLog.RECORD_HEADER).getBytes(StandardCharsets.ISO_8859_1);
    try (AppendLog fresh = AppendLog.open(dir.resolve("cp2"), Ledger.CHECKPOINT_MAGIC, true, (i, b) -> {})) {
      fresh.sync(fresh.append(body));
    }
    Files.move(dir.resolve("cp2"), cps, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertOpenRefused("signature");
  }

  @Test
  void append_onAnInterruptedThread_survivesAndKeepsTheInterrupt() {
    try (Ledger l = openWith(3)) {
      Thread.currentThread().interrupt();
      long i = l.appendDurable(entry(3));
      assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
      assertThat(i).isEqualTo(3);
      assertThat(l.entry(3)).isEqualTo(entry(3));
      l.appendDurable(entry(4));
      assertThat(l.checkpoint().treeSize()).isEqualTo(5);
    }
    try (Ledger l = Ledger.open(dir, time, (i, e) -> {})) {
      assertThat(l.size()).isEqualTo(5);
    }
  }

  @Test
  void checkpoint_clockSteppedBack_isNeverDatedBeforeThePreviousOne() {
    try (Ledger l = openWith(1)) {
      time.advance(Duration.ofHours(1));
      Checkpoint first = l.checkpoint();
      l.appendDurable(entry(1));
      Checkpoint second = l.checkpoint();
      assertThat(second.timestamp()).isAfterOrEqualTo(first.timestamp());
    }
  }

  private void assertOpenRefused(String messagePart) {
    assertThatThrownBy(() -> Ledger.open(dir, time, (i, e) -> {}))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY))
        .hasMessageContaining(messagePart);
  }

  private void checkpointed(int entries) {
    try (Ledger l = openWith(entries)) {
      l.checkpoint();
    }
  }

  /** Rewrites entry {@code index} (same length) with a correct checksum: only the tree can tell. */
  private void rewriteEntry(int index, byte[] replacement) throws Exception {
    Path log = dir.resolve(Ledger.LOG_FILE);
    List<byte[]> all = new ArrayList<>();
    AppendLog.readAll(log, Ledger.ENTRY_MAGIC, (i, e) -> all.add(e));
    all.set(index, replacement);
    Path copy = dir.resolve("rewritten");
    try (AppendLog fresh = AppendLog.open(copy, Ledger.ENTRY_MAGIC, true, (i, b) -> {})) {
      for (byte[] e : all) {
        fresh.append(e);
      }
      fresh.syncAll();
    }
    Files.move(copy, log, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
