package io.datawarehouse.tamperproof;

import static io.datawarehouse.tamperproof.StoreFixture.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.tamperproof.internal.Journal;
import io.datawarehouse.tamperproof.internal.LedgerEvent;
import io.datawarehouse.tamperproof.internal.RecordFiles;
import io.datawarehouse.testkit.ManualTime;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-ahead journal: small records are acknowledged once their bytes and ledger entry are in
 * the journal, with the data file and the ledger file written unforced. These tests take the state
 * a crash can leave (a copy of the directory taken while the store is open, then stripped of what
 * an unforced write may lose) and check that reopening brings every acknowledged record back.
 */
class JournalRecoveryTest {
  private static final Caller ALICE = Caller.of("alice");
  private static final Caller ADMIN = Caller.of("admin", Permission.LEGAL_HOLD, Permission.GOVERNANCE_BYPASS);

  @TempDir Path dir;
  @TempDir Path crash;
  final ManualTime time = new ManualTime();
  TamperProofStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private static WriteOptions week() {
    return WriteOptions.in("trades").withRetention(Duration.ofDays(7));
  }

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** Writes records (small ones journaled, one large), returns their contents by id; no flush after. */
  private Map<String, byte[]> writeAfterFlush(long[] ledgerBytesAtFlush) throws IOException {
    store = TamperProofStore.open(dir, TamperProofConfig.defaults(), time);
    store.write(bytes(100, 1), week(), ALICE);
    store.flush();
    ledgerBytesAtFlush[0] = Files.size(dir.resolve("ledger").resolve("ledger.log"));
    Map<String, byte[]> written = new LinkedHashMap<>();
    for (int i = 0; i < 12; i++) {
      byte[] content = bytes(i == 5 ? 200_000 : 1 + 997 * i, 100 + i); // one record over the journaled size
      written.put(store.write(content, week(), ALICE).id(), content);
    }
    String held = written.keySet().iterator().next();
    store.hold(held, true, ADMIN, "case 12");
    store.checkpoint(); // signed over entries that are durable in the journal, not yet forced to the ledger file
    return written;
  }

  /** A copy of the data directory as it is now, open store and all: what a crash at this moment leaves. */
  private void crashImage() throws IOException {
    if (store != null) {
      // the files written behind the writes are all there (unforced), so the image is the same each
      // run; a small record's data file not written yet is what the tests delete by hand
      store.awaitWritesBehind();
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        Path to = crash.resolve(dir.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          try {
            Files.copy(p, to);
          } catch (java.nio.file.NoSuchFileException gone) {
            // a metadata file's temporary name, renamed meanwhile: a crash would not have it either
          }
        }
      }
    }
  }

  /** Puts a file where record {@code id}'s data directory should be (in a new store); returns its path. */
  private Path blockDirectoryOf(String id) throws IOException {
    Path shard = new RecordFiles(dir).dataFile(id).getParent();
    if (Files.isDirectory(shard)) {
      Files.delete(shard); // empty in a new store
    }
    Files.createDirectories(shard.getParent());
    Files.write(shard, new byte[] {1});
    return shard;
  }

  private static void truncate(Path file, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  @Test
  void unforcedWritesLost_areRestoredFromTheJournal() throws Exception {
    long[] atFlush = {0};
    Map<String, byte[]> written = writeAfterFlush(atFlush);
    long ledgerSize = store.ledgerSize();
    crashImage();
    // what the page cache may not have written: the ledger file's tail, and small records' data files
    truncate(crash.resolve("ledger").resolve("ledger.log"), atFlush[0]);
    RecordFiles files = new RecordFiles(crash);
    List<String> ids = new ArrayList<>(written.keySet());
    Files.delete(files.dataFile(ids.get(0)));
    truncate(files.dataFile(ids.get(1)), 10);
    byte[] flipped = Files.readAllBytes(files.dataFile(ids.get(2)));
    flipped[flipped.length - 1] ^= 1;
    Files.delete(files.dataFile(ids.get(2)));
    Files.write(files.dataFile(ids.get(2)), flipped);

    // verify before any open reads the journal with the ledger file, changing nothing: the entries
    // it holds are checked against the checkpoint, and the damaged data files against its copies
    VerifyReport before = TamperProofStore.verifyOffline(crash, VerifyOptions.all(), time);
    assertThat(before.incidents()).isEmpty();
    assertThat(before.ok()).isTrue();
    assertThat(before.entriesChecked()).isEqualTo(ledgerSize);
    assertThat(before.notes()).anyMatch(n -> n.contains(Journal.FILE + " holds 13 more")); // 12 writes and a hold
    for (String id : ids.subList(0, 3)) {
      assertThat(before.notes()).as(id).anyMatch(n -> n.contains("record " + id) && n.contains("the next open restores the file"));
    }
    assertThat(Files.exists(files.dataFile(ids.get(0)))).as("the audit changed nothing").isFalse();

    try (TamperProofStore recovered = TamperProofStore.open(crash, TamperProofConfig.defaults(), time)) {
      assertThat(Journal.read(crash.resolve("ledger").resolve(Journal.FILE))).as("flushed after recovery").isEmpty();
      for (Map.Entry<String, byte[]> e : written.entrySet()) {
        assertThat(recovered.read(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
      }
      assertThat(recovered.info(ids.get(0)).legalHold()).isTrue();
      List<LedgerEvent> log = entries(crash);
      List<LedgerEvent> rewrites = log.stream().filter(e -> e.type() == LedgerEvent.Type.RECOVERY).toList();
      assertThat(rewrites).extracting(LedgerEvent::id).containsExactlyInAnyOrder(ids.get(0), ids.get(1), ids.get(2));
      assertThat(log.subList(0, (int) ledgerSize)).extracting(LedgerEvent::type).doesNotContain(LedgerEvent.Type.RECOVERY);
      assertThat(recovered.scan(null).ok()).isTrue();
    }
    assertThat(TamperProofStore.verifyOffline(crash, VerifyOptions.all(), time).ok()).isTrue();
  }

  @Test
  void journaledDataFileNotWrittenYet_isANoteOfflineAndRestoredByTheOpen() throws Exception {
    Map<String, byte[]> written = writeAfterFlush(new long[1]);
    crashImage(); // ledger.log has every entry (written unforced after the journal's force)
    String id = written.keySet().iterator().next(); // 1 byte: journaled
    Files.delete(new RecordFiles(crash).dataFile(id)); // as if its write behind the writer had not run yet

    VerifyReport offline = TamperProofStore.verifyOffline(crash, VerifyOptions.all(), time);
    assertThat(offline.incidents()).isEmpty();
    assertThat(offline.notes()).anyMatch(n -> n.contains("record " + id) && n.contains("the next open restores the file"));
    try (TamperProofStore recovered = TamperProofStore.open(crash, TamperProofConfig.defaults(), time)) {
      assertThat(recovered.read(id)).isEqualTo(written.get(id));
      assertThat(recovered.scan(null).ok()).isTrue();
    }
  }

  @Test
  void nothingLost_reopensWithoutRecoveryEntries() throws Exception {
    Map<String, byte[]> written = writeAfterFlush(new long[1]);
    crashImage();
    try (TamperProofStore recovered = TamperProofStore.open(crash, TamperProofConfig.defaults(), time)) {
      for (Map.Entry<String, byte[]> e : written.entrySet()) {
        assertThat(recovered.read(e.getKey())).isEqualTo(e.getValue());
      }
      assertThat(entries(crash)).extracting(LedgerEvent::type).doesNotContain(LedgerEvent.Type.RECOVERY);
    }
  }

  @Test
  void tornLedgerTailInsideTheJournal_isCutAndReplayed() throws Exception {
    long[] atFlush = {0};
    Map<String, byte[]> written = writeAfterFlush(atFlush);
    crashImage();
    Path log = crash.resolve("ledger").resolve("ledger.log");
    long mid = atFlush[0] + (Files.size(log) - atFlush[0]) / 2;
    truncate(log, mid); // a record cut in two, as a crash during the file's writeback leaves it
    try (TamperProofStore recovered = TamperProofStore.open(crash, TamperProofConfig.defaults(), time)) {
      for (Map.Entry<String, byte[]> e : written.entrySet()) {
        assertThat(recovered.read(e.getKey())).isEqualTo(e.getValue());
      }
      assertThat(recovered.scan(null).ok()).isTrue();
    }
  }

  @Test
  void ledgerShorterThanTheJournalsBase_refusesToOpen() throws Exception {
    long[] atFlush = {0};
    writeAfterFlush(atFlush);
    store.flush();
    crashImage();
    truncate(crash.resolve("ledger").resolve("ledger.log"), atFlush[0]); // entries forced at the flush are gone
    assertThat(TamperProofStore.verifyOffline(crash, VerifyOptions.all(), time).incidents()).extracting(Incident::kind)
        .contains(Incident.Kind.LEDGER_TRUNCATED);
    assertThatThrownBy(() -> TamperProofStore.open(crash, TamperProofConfig.defaults(), time))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY))
        .hasMessageContaining("acknowledged entries were removed");
  }

  @Test
  void journalEntryDifferentFromTheLedgers_refusesToOpen() throws Exception {
    writeAfterFlush(new long[1]);
    crashImage();
    Path log = crash.resolve("ledger").resolve("ledger.log");
    byte[] b = Files.readAllBytes(log);
    // alter the last entry's payload and fix its CRC32C, so only the journal can tell
    List<byte[]> raw = new ArrayList<>();
    io.datawarehouse.tamperproof.internal.AppendLog.readAll(log, io.datawarehouse.sdk.io.FramedFile.magic("DWTL"),
        (i, e) -> raw.add(e));
    byte[] last = raw.get(raw.size() - 1);
    String altered = new String(last, java.nio.charset.StandardCharsets.UTF_8).replace("case 12", "case 13");
    byte[] alteredBytes = altered.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(alteredBytes).hasSameSizeAs(last).isNotEqualTo(last);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(java.nio.ByteBuffer.allocate(4).putInt(0, alteredBytes.length));
    crc.update(alteredBytes);
    int at = b.length - last.length;
    System.arraycopy(alteredBytes, 0, b, at, alteredBytes.length);
    java.nio.ByteBuffer.wrap(b).putInt(at - 4, (int) crc.getValue());
    Files.write(log, b);
    assertThat(TamperProofStore.verifyOffline(crash, VerifyOptions.all(), time).incidents()).extracting(Incident::kind)
        .contains(Incident.Kind.LEDGER_ENTRY_ALTERED);
    assertThatThrownBy(() -> TamperProofStore.open(crash, TamperProofConfig.defaults(), time))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY))
        .hasMessageContaining("differs from the one the journal");
  }

  @Test
  void dataFileThatCannotBeWritten_keepsTheRecordInTheJournalUntilItCan() throws Exception {
    store = TamperProofStore.open(dir, TamperProofConfig.defaults(), time);
    String id = "blocked-1";
    Path shard = blockDirectoryOf(id);
    byte[] content = bytes(3000, 11);
    RecordInfo r = store.write(content, week().withId(id), ALICE); // acknowledged: the journal holds the bytes

    assertThatThrownBy(() -> store.read(id)).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThatThrownBy(store::flush).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThat(Journal.read(dir.resolve("ledger").resolve(Journal.FILE))).as("not reset: it holds the only copy")
        .anyMatch(f -> id.equals(f.recordId()) && java.util.Arrays.equals(f.content(), content));

    // a crash now: the next open writes the data file from the journal
    crashImage();
    Files.delete(crash.resolve(dir.relativize(shard).toString()));
    try (TamperProofStore recovered = TamperProofStore.open(crash, TamperProofConfig.defaults(), time)) {
      assertThat(recovered.read(id)).isEqualTo(content);
      assertThat(recovered.info(id).sha256()).isEqualTo(r.sha256());
      assertThat(recovered.scan(null).ok()).isTrue();
    }

    // or the obstacle goes away while the store runs: the read writes the file, the flush forces it
    Files.delete(shard);
    assertThat(store.read(id)).isEqualTo(content);
    store.flush();
    assertThat(Journal.read(dir.resolve("ledger").resolve(Journal.FILE))).isEmpty();
    assertThat(Files.readAllBytes(new RecordFiles(dir).dataFile(id))).endsWith(content);
    // its metadata file could not be written either: the scan says so, and rewrites it
    assertThat(store.scan(null).incidents()).singleElement().satisfies(i -> {
      assertThat(i.kind()).isEqualTo(Incident.Kind.METADATA_MISMATCH);
      assertThat(i.recordId()).isEqualTo(id);
    });
    assertThat(store.scan(null).ok()).isTrue();
  }

  @Test
  void closeWhileADataFileCannotBeWritten_keepsTheJournalForTheNextOpen() throws Exception {
    store = TamperProofStore.open(dir, TamperProofConfig.defaults(), time);
    String id = "blocked-2";
    Path shard = blockDirectoryOf(id);
    byte[] content = bytes(700, 12);
    store.write(content, week().withId(id), ALICE);
    store.close(); // cannot empty the journal: logs it and keeps it
    store = null;
    assertThat(Journal.read(dir.resolve("ledger").resolve(Journal.FILE)))
        .anyMatch(f -> id.equals(f.recordId()) && java.util.Arrays.equals(f.content(), content));

    Files.delete(shard);
    try (TamperProofStore again = TamperProofStore.open(dir, TamperProofConfig.defaults(), time)) {
      assertThat(again.read(id)).isEqualTo(content);
      assertThat(again.scan(null).incidents()).allSatisfy(i -> assertThat(i.kind()).isEqualTo(Incident.Kind.METADATA_MISMATCH));
    }
    try (TamperProofStore clean = TamperProofStore.open(dir, TamperProofConfig.defaults(), time)) {
      assertThat(clean.scan(null).ok()).isTrue();
    }
    assertThat(TamperProofStore.verifyOffline(dir, VerifyOptions.all(), time).ok()).isTrue();
  }

  @Test
  void smallRecordDeletedRightAfterItsWrite_leavesNoDataFileBehind() throws Exception {
    store = TamperProofStore.open(dir, TamperProofConfig.defaults(), time);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(store.write(bytes(500 + i, i), WriteOptions.in("trades").withRetention(Duration.ofSeconds(1)), ALICE).id());
    }
    time.advance(Duration.ofSeconds(2));
    for (String id : ids) {
      store.delete(id, ALICE, "retention over"); // its data file may still be queued
    }
    store.awaitWritesBehind();
    RecordFiles files = new RecordFiles(dir);
    for (String id : ids) {
      assertThat(files.dataFile(id)).as(id).doesNotExist();
      assertThat(files.metaFile(id)).as(id).doesNotExist();
    }
    store.flush();
    assertThat(store.scan(null).ok()).isTrue();
  }

  @Test
  void journalFull_isFlushedAndWritesGoOn() throws Exception {
    store = TamperProofStore.open(dir, TamperProofConfig.defaults(), time);
    byte[] content = bytes(60_000, 7);
    int n = (int) (Journal.DEFAULT_CAPACITY / 60_000) + 20; // more than one journal's worth
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      content[0] = (byte) i;
      ids.add(store.write(content, week(), ALICE).id());
    }
    int frames = Journal.read(dir.resolve("ledger").resolve(Journal.FILE)).size();
    assertThat(frames).as("frames since the last reset").isPositive().isLessThan(n);
    crashImage();
    for (String id : ids.subList(0, n - frames)) {
      // flushed at the reset: forced, so no longer in the journal
      assertThat(Files.exists(new RecordFiles(crash).dataFile(id))).isTrue();
    }
    try (TamperProofStore recovered = TamperProofStore.open(crash, TamperProofConfig.defaults(), time)) {
      for (int i = 0; i < n; i++) {
        content[0] = (byte) i;
        assertThat(recovered.read(ids.get(i))).isEqualTo(content);
      }
    }
  }

  @Test
  void concurrentWritersAndFlushes_loseNothingAndReopenClean() throws Exception {
    store = TamperProofStore.open(dir, TamperProofConfig.defaults(), time);
    int writers = 4;
    int each = 150;
    java.util.concurrent.ConcurrentHashMap<String, byte[]> written = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
    for (int w = 0; w < writers; w++) {
      int seed = w;
      threads.add(Thread.ofPlatform().start(() -> {
        try {
          for (int i = 0; i < each; i++) {
            byte[] content = bytes(1 + (i * 131) % (i % 7 == 0 ? 90_000 : 9_000), seed * 1000L + i); // some over 64 KiB
            written.put(store.write(content, week(), ALICE).id(), content);
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }));
    }
    Thread flusher = Thread.ofPlatform().start(() -> {
      try {
        while (!done.get()) {
          store.flush();
          store.checkpoint();
        }
      } catch (Throwable e) {
        failures.add(e);
      }
    });
    for (Thread t : threads) {
      t.join();
    }
    done.set(true);
    flusher.join();
    assertThat(failures).isEmpty();
    assertThat(written).hasSize(writers * each);
    for (Map.Entry<String, byte[]> e : written.entrySet()) {
      assertThat(store.read(e.getKey())).isEqualTo(e.getValue());
    }
    List<LedgerEvent> log = entries(dir);
    assertThat(log).extracting(LedgerEvent::seq).isEqualTo(java.util.stream.LongStream.range(0, log.size()).boxed().toList());
    assertThat(log).filteredOn(e -> e.type() == LedgerEvent.Type.WRITE).hasSize(writers * each);
    assertThat(store.scan(null).ok()).isTrue();
    crashImage(); // as a crash would leave it: whatever the last flush did not force is in the journal
    try (TamperProofStore again = TamperProofStore.open(crash, TamperProofConfig.defaults(), time)) {
      assertThat(again.recordCount()).isEqualTo(writers * each);
      assertThat(entries(crash)).extracting(LedgerEvent::type).doesNotContain(LedgerEvent.Type.RECOVERY);
    }
  }
}
