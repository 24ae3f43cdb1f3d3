package io.datawarehouse.tamperproof;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.tamperproof.Incident.Kind;
import io.datawarehouse.tamperproof.internal.AppendLog;
import io.datawarehouse.tamperproof.internal.RecordFiles;
import io.datawarehouse.tamperproof.internal.SigningKey;
import io.datawarehouse.testkit.ManualTime;
import java.io.ByteArrayInputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of tampering the issue lists is detected both by the offline verification ({@code dw
 * worm verify}) and by the running store's integrity scan, with an incident naming the record.
 *
 * <p>The store holds five records {@code rec-1..rec-5} (equal lengths, so their WRITE entries can
 * be swapped whole) and a legal hold on rec-3; ledger entries: 0..4 the writes, 5 the hold, all
 * covered by a signed checkpoint.
 */
class TamperDetectionTest {
  private static final int LOG_HEADER = 16;
  private static final int RECORD_HEADER = 8;

  @TempDir Path dir;
  @TempDir Path elsewhere;
  final ManualTime time = new ManualTime();
  TamperProofStore store;
  final List<TamperProofEvent> events = new CopyOnWriteArrayList<>();
  RecordFiles files;

  @BeforeEach
  void setUp() {
    store = TamperProofStore.open(dir, TamperProofConfig.defaults(), time);
    store.addListener(events::add);
    for (int i = 1; i <= 5; i++) {
      store.write(("payload number " + i).getBytes(StandardCharsets.UTF_8),
          WriteOptions.in("books").withId("rec-" + i).withRetention(Duration.ofDays(30)), Caller.of("clerk"));
    }
    store.hold("rec-3", true, Caller.of("counsel"), "case 12");
    store.checkpoint();
    store.flush(); // metadata files written behind the writes are on disk before any test looks at them
    files = new RecordFiles(dir);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  void cleanStore_verifiesAndScansWithoutIncidents() {
    VerifyReport offline = TamperProofStore.verifyOffline(dir, VerifyOptions.all(), time);
    assertThat(offline.incidents()).isEmpty();
    assertThat(offline.ok()).isTrue();
    assertThat(offline.recordsChecked()).isEqualTo(5);
    assertThat(offline.entriesChecked()).isEqualTo(6);
    assertThat(offline.checkpointsChecked()).as("the empty tree's at creation, then ours").isEqualTo(2);
    VerifyReport scan = store.scan(null);
    assertThat(scan.incidents()).isEmpty();
    assertThat(events).noneMatch(e -> e.type().equals("incident"));
    assertThat(StoreFixture.entries(dir)).last().satisfies(e -> assertThat(e.type().name()).isEqualTo("SCAN"));
    VerifyReport one = TamperProofStore.verifyOffline(dir, VerifyOptions.record("rec-3"), time);
    assertThat(one.ok()).isTrue();
    assertThat(one.notes()).anyMatch(n -> n.contains("proven to the checkpoint"));
    assertThat(store.verify("rec-3").ok()).isTrue();
    assertThat(store.verifyContent("rec-3").sha256()).isEqualTo(store.info("rec-3").sha256());
  }

  /** {@link TamperProofStore#verifyContent}, the verification without the bytes, refuses the record. */
  private void assertContentFails(String id) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.verifyContent(id))
        .isInstanceOfSatisfying(io.datawarehouse.sdk.DwException.class, e -> {
          assertThat(e.code()).isEqualTo(io.datawarehouse.sdk.ErrorCode.INTEGRITY);
          assertThat(e.getMessage()).contains(id);
        });
  }

  @Test
  void oneByteOfARecordChanged_isDetected() throws Exception {
    Path f = writable(files.dataFile("rec-2"));
    byte[] b = Files.readAllBytes(f);
    b[b.length - 1] ^= 0x01;
    Files.write(f, b);
    assertContentFails("rec-2");
    assertDetected(Kind.DATA_MISMATCH, "rec-2");
  }

  @Test
  void recordFileReplacedByAnotherRecords_isDetected() throws Exception {
    writable(files.dataFile("rec-2"));
    Files.copy(files.dataFile("rec-4"), files.dataFile("rec-2"), StandardCopyOption.REPLACE_EXISTING);
    assertContentFails("rec-2");
    assertDetected(Kind.DATA_MISMATCH, "rec-2");
  }

  @Test
  void recordFileReplacedByAWellFormedForgery_isDetected() throws Exception {
    RecordFiles forger = new RecordFiles(elsewhere);
    forger.write("rec-2", new ByteArrayInputStream("payload number 9".getBytes(StandardCharsets.UTF_8)), 1024);
    writable(files.dataFile("rec-2"));
    Files.copy(forger.dataFile("rec-2"), files.dataFile("rec-2"), StandardCopyOption.REPLACE_EXISTING);
    assertContentFails("rec-2");
    assertDetected(Kind.DATA_MISMATCH, "rec-2");
  }

  @Test
  void recordFileDeleted_isDetected() throws Exception {
    Files.delete(files.dataFile("rec-2"));
    assertContentFails("rec-2");
    assertDetected(Kind.DATA_MISSING, "rec-2");
  }

  @Test
  void ledgerTruncated_isDetectedNamingTheRecordsWhoseEntriesWereCut() throws Exception {
    List<byte[]> entries = rawEntries();
    long keep = LOG_HEADER;
    for (int i = 0; i < 4; i++) {
      keep += RECORD_HEADER + entries.get(i).length;
    }
    try (RandomAccessFile f = new RandomAccessFile(ledgerFile().toFile(), "rw")) {
      f.setLength(keep); // entries 4 (write of rec-5) and 5 (hold of rec-3) are gone
    }
    assertDetected(Kind.LEDGER_TRUNCATED, "rec-5");
    assertDetectedOffline(Kind.LEDGER_TRUNCATED, "rec-3");
  }

  @Test
  void ledgerEntryEditedWithItsChecksumFixed_isDetected() throws Exception {
    List<byte[]> entries = rawEntries();
    String e1 = new String(entries.get(1), StandardCharsets.UTF_8);
    String sha = store.info("rec-2").sha256();
    String forged = sha.substring(0, 10) + (sha.charAt(10) == '0' ? '1' : '0') + sha.substring(11);
    entries.set(1, e1.replace(sha, forged).getBytes(StandardCharsets.UTF_8));
    rewriteLedger(entries);
    assertDetected(Kind.LEDGER_ENTRY_ALTERED, "rec-2");
    assertThat(TamperProofStore.verifyOffline(dir, VerifyOptions.all(), time).incidents())
        .as("only the record whose entry changed is named")
        .noneMatch(i -> i.kind() == Kind.LEDGER_ENTRY_ALTERED && "rec-1".equals(i.recordId()));
  }

  @Test
  void ledgerEntryEditedLeavingItsChecksum_isDetected() throws Exception {
    byte[] log = Files.readAllBytes(ledgerFile());
    List<byte[]> entries = rawEntries();
    int start = LOG_HEADER + RECORD_HEADER + entries.get(0).length + RECORD_HEADER;
    int at = start + new String(entries.get(1), StandardCharsets.UTF_8).indexOf("\"sha256\":\"") + 12;
    log[at] ^= 0x01;
    Files.write(ledgerFile(), log);
    assertDetected(Kind.LEDGER_DAMAGED, "rec-2");
  }

  @Test
  void ledgerEntriesReordered_isDetected() throws Exception {
    List<byte[]> entries = rawEntries();
    assertThat(entries.get(3).length).isEqualTo(entries.get(4).length);
    byte[] log = Files.readAllBytes(ledgerFile());
    int rec = RECORD_HEADER + entries.get(3).length;
    int a = LOG_HEADER;
    for (int i = 0; i < 3; i++) {
      a += RECORD_HEADER + entries.get(i).length;
    }
    byte[] first = Arrays.copyOfRange(log, a, a + rec);
    System.arraycopy(log, a + rec, log, a, rec);
    System.arraycopy(first, 0, log, a + rec, rec);
    Files.write(ledgerFile(), log);
    assertDetected(Kind.LEDGER_REORDERED, "rec-4");
    assertDetected(Kind.LEDGER_REORDERED, "rec-5");
  }

  @Test
  void metadataFileEdited_isDetectedAndRewrittenByTheScan() throws Exception {
    RecordInfo real = store.info("rec-1");
    RecordInfo forged = new RecordInfo(real.id(), real.namespace(), real.sha256(), real.size(), real.createdAt(),
        real.contentType(), real.metadata(), real.mode(), real.createdAt().plusSeconds(1), false, real.ledgerIndex(),
        real.lastChange(), null);
    store.flush(); // the store's own metadata files, written behind its writes, are on disk before the forgery
    files.writeMeta(forged);
    assertDetected(Kind.METADATA_MISMATCH, "rec-1");
    assertThat(files.readMeta("rec-1")).isEqualTo(store.info("rec-1"));
  }

  @Test
  void publicKeyReplaced_isDetected() throws Exception {
    SigningKey other = SigningKey.create(elsewhere.resolve("k"), elsewhere.resolve("k.pub"));
    Files.writeString(dir.resolve("ledger").resolve("signing.pub"), other.publicKeyPem());
    VerifyReport offline = TamperProofStore.verifyOffline(dir, VerifyOptions.all(), time);
    assertThat(offline.incidents()).anyMatch(i -> i.kind() == Kind.KEY_PROBLEM);
    VerifyReport trusted = TamperProofStore.verifyOffline(dir,
        new VerifyOptions(other.publicKey(), null, null, Long.MAX_VALUE, null), time);
    assertThat(trusted.incidents()).extracting(Incident::kind).contains(Kind.KEY_PROBLEM, Kind.CHECKPOINT_INVALID);
  }

  @Test
  void ledgerRewrittenAndResignedWithTheStolenKey_isCaughtByACheckpointKeptElsewhere() throws Exception {
    var kept = store.latestCheckpoint();
    store.close();
    // the attacker, holding the store's key, drops rec-5's write and the hold and starts the ledger afresh
    List<byte[]> entries = rawEntries();
    Path ledgerDir = dir.resolve("ledger");
    Files.delete(ledgerDir.resolve("checkpoints.log"));
    Files.delete(ledgerDir.resolve("ledger.log"));
    Files.delete(ledgerDir.resolve("journal.log")); // else the journal's base betrays the missing entries
    Files.write(dir.resolve("state").resolve("running"), new byte[] {1}); // feign a crash: every metadata file is rebuilt
    try (AppendLog log = AppendLog.open(ledgerDir.resolve("ledger.log"), FramedFile.magic("DWTL"), true, (i, b) -> {})) {
      entries.subList(0, 4).forEach(log::append);
      log.syncAll();
    }
    store = TamperProofStore.open(dir, TamperProofConfig.defaults(), time); // signs a fresh, "valid" checkpoint
    assertThat(TamperProofStore.verifyOffline(dir, VerifyOptions.all(), time).incidents())
        .noneMatch(i -> i.kind() == Kind.LEDGER_TRUNCATED || i.kind() == Kind.LEDGER_ENTRY_ALTERED);
    VerifyReport withKept = TamperProofStore.verifyOffline(dir,
        new VerifyOptions(null, kept, null, Long.MAX_VALUE, null), time);
    assertThat(withKept.incidents()).anyMatch(i -> i.kind() == Kind.LEDGER_TRUNCATED);
  }

  // ---------------------------------------------------------------------------------------------

  private void assertDetected(Kind kind, String recordId) {
    assertDetectedOffline(kind, recordId);
    events.clear();
    VerifyReport scan = store.scan(null);
    assertThat(scan.ok()).isFalse();
    assertThat(scan.incidents()).as("scan incidents: %s", scan.incidents())
        .anyMatch(i -> i.kind() == kind && recordId.equals(i.recordId()));
    assertThat(events).as("incident events").anyMatch(e -> e.type().equals("incident") && recordId.equals(e.recordId())
        && kind.name().equals(e.detail().get("kind")));
  }

  private void assertDetectedOffline(Kind kind, String recordId) {
    VerifyReport offline = TamperProofStore.verifyOffline(dir, VerifyOptions.all(), time);
    assertThat(offline.ok()).isFalse();
    assertThat(offline.incidents()).as("verify incidents: %s", offline.incidents())
        .anyMatch(i -> i.kind() == kind && recordId.equals(i.recordId()));
  }

  private Path writable(Path f) throws Exception {
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    return f;
  }

  private Path ledgerFile() {
    return dir.resolve("ledger").resolve("ledger.log");
  }

  private List<byte[]> rawEntries() {
    List<byte[]> out = new ArrayList<>();
    AppendLog.readAll(ledgerFile(), FramedFile.magic("DWTL"), (i, b) -> out.add(b));
    return out;
  }

  /** Writes {@code entries} as the ledger file in place, checksums recomputed. */
  private void rewriteLedger(List<byte[]> entries) throws Exception {
    Path tmp = elsewhere.resolve("rewritten.log");
    try (AppendLog log = AppendLog.open(tmp, FramedFile.magic("DWTL"), true, (i, b) -> {})) {
      entries.forEach(log::append);
      log.syncAll();
    }
    Files.write(ledgerFile(), Files.readAllBytes(tmp)); // in place: the running store's file handle sees it
  }
}
