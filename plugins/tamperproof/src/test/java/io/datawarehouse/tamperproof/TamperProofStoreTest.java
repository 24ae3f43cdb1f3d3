package io.datawarehouse.tamperproof;

import static io.datawarehouse.tamperproof.StoreFixture.entries;
import static io.datawarehouse.tamperproof.StoreFixture.sha256;
import static io.datawarehouse.tamperproof.StoreFixture.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.tamperproof.internal.LedgerEvent;
import io.datawarehouse.tamperproof.internal.RecordFiles;
import io.datawarehouse.tamperproof.ledger.LedgerVerifier;
import io.datawarehouse.tamperproof.ledger.RecordProof;
import io.datawarehouse.testkit.ManualTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TamperProofStoreTest {
  private static final Caller ALICE = Caller.of("alice");
  private static final Caller ADMIN = Caller.of("admin", Permission.LEGAL_HOLD, Permission.GOVERNANCE_BYPASS);
  private static final byte[] DATA = "trade 4711: buy 100 ACME @ 12.34".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;
  final ManualTime time = new ManualTime();
  TamperProofConfig config = TamperProofConfig.defaults();
  TamperProofStore store;

  TamperProofStore open() {
    store = TamperProofStore.open(dir, config, time);
    return store;
  }

  void reopen() {
    store.close();
    open();
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  static WriteOptions days(int days, RetentionMode mode) {
    return WriteOptions.in("trades").withRetention(Duration.ofDays(days)).withMode(mode);
  }

  @Test
  void write_thenRead_returnsIdHashLedgerPositionAndVerifiedBytes() throws Exception {
    open();
    RecordInfo r = store.write(DATA, days(7, RetentionMode.COMPLIANCE).withContentType("text/plain")
        .withMetadata(Map.of("desk", "fx")), ALICE);
    assertThat(r.id()).hasSize(26);
    assertThat(r.sha256()).isEqualTo(sha256(DATA));
    assertThat(r.size()).isEqualTo(DATA.length);
    assertThat(r.retainUntil()).isEqualTo(time.now().plus(Duration.ofDays(7)));
    assertThat(r.ledgerIndex()).isGreaterThanOrEqualTo(0);
    assertThat(store.read(r.id())).isEqualTo(DATA);
    LedgerEvent e = entries(dir).get((int) r.ledgerIndex());
    assertThat(e.type()).isEqualTo(LedgerEvent.Type.WRITE);
    assertThat(e.id()).isEqualTo(r.id());
    assertThat(e.sha256()).isEqualTo(r.sha256());
    assertThat(e.actor()).isEqualTo("alice");
    RecordFiles files = new RecordFiles(dir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.dataFile(r.id())))).isEqualTo("r--r--r--");
    store.flush(); // metadata files are written behind the write
    assertThat(files.readMeta(r.id())).isEqualTo(r);
    Path out = dir.resolveSibling(dir.getFileName() + "-out").resolve("copy.bin");
    store.readTo(r.id(), out);
    assertThat(Files.readAllBytes(out)).isEqualTo(DATA);
  }

  @Test
  void write_namespaceDefaults_areUsedWhenTheWriteGivesNone() {
    config = config.withNamespace("trades", new TamperProofConfig.NamespacePolicy(RetentionMode.COMPLIANCE, Duration.ofDays(2555)));
    open();
    RecordInfo r = store.write(DATA, WriteOptions.in("trades"), ALICE);
    assertThat(r.mode()).isEqualTo(RetentionMode.COMPLIANCE);
    assertThat(r.retainUntil()).isEqualTo(time.now().plus(Duration.ofDays(2555)));
    assertThat(entries(dir)).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo(LedgerEvent.Type.POLICY);
      assertThat(e.namespace()).isEqualTo("trades");
      assertThat(e.retention()).isEqualTo("PT61320H");
    });
  }

  @Test
  void open_policyChangedInConfiguration_isRecordedOnceInTheLedger() {
    config = config.withNamespace("trades", new TamperProofConfig.NamespacePolicy(RetentionMode.GOVERNANCE, Duration.ofDays(30)));
    open();
    reopen();
    assertThat(entries(dir).stream().filter(e -> e.type() == LedgerEvent.Type.POLICY)).hasSize(1);
    config = config.withNamespace("trades", new TamperProofConfig.NamespacePolicy(RetentionMode.COMPLIANCE, Duration.ofDays(30)));
    reopen();
    assertThat(entries(dir).stream().filter(e -> e.type() == LedgerEvent.Type.POLICY)).hasSize(2);
  }

  @Test
  void write_noRetentionAnywhere_isRefusedAndKeepsNothing() {
    open();
    Map<String, String> before = snapshot(dir);
    assertRefused(() -> store.write(DATA, WriteOptions.in("trades"), ALICE), ErrorCode.INVALID_ARGUMENT, before);
    assertRefused(() -> store.write(DATA, WriteOptions.in("Bad NS").withRetention(Duration.ofDays(1)), ALICE),
        ErrorCode.INVALID_ARGUMENT, before);
    assertRefused(() -> store.write(DATA, days(1, null).withId("../escape"), ALICE), ErrorCode.INVALID_ARGUMENT, before);
    assertRefused(() -> store.write(DATA, WriteOptions.in("trades").withRetainUntil(time.now().minusSeconds(1)), ALICE),
        ErrorCode.INVALID_ARGUMENT, before);
  }

  @Test
  void forbiddenOperations_areRefusedAndChangeNothingOnDisk() {
    open();
    RecordInfo compliance = store.write(DATA, days(30, RetentionMode.COMPLIANCE).withId("c-1"), ALICE);
    RecordInfo governance = store.write(DATA, days(30, RetentionMode.GOVERNANCE).withId("g-1"), ALICE);
    RecordInfo held = store.write(DATA, days(1, RetentionMode.GOVERNANCE).withId("h-1").withLegalHold(true), ALICE);
    store.checkpoint();
    store.flush(); // nothing left to write behind: the snapshot is what the refusals must not change
    time.advance(Duration.ofDays(2)); // h-1's retention is over, its hold is not
    Map<String, String> before = snapshot(dir);

    // overwrite, whoever asks
    assertRefused(() -> store.write("other".getBytes(StandardCharsets.UTF_8), days(30, RetentionMode.GOVERNANCE).withId("c-1"), ADMIN),
        ErrorCode.RETENTION_LOCKED, before);
    assertRefused(() -> store.write(DATA, days(30, RetentionMode.GOVERNANCE).withId("h-1"), ADMIN),
        ErrorCode.RETENTION_LOCKED, before);
    // delete before the retention date, whoever asks, in either mode
    assertRefused(() -> store.delete(compliance.id(), ADMIN, "cleanup"), ErrorCode.RETENTION_LOCKED, before);
    assertRefused(() -> store.delete(governance.id(), ADMIN, "cleanup"), ErrorCode.RETENTION_LOCKED, before);
    // delete under a legal hold after the retention date
    assertRefused(() -> store.delete(held.id(), ADMIN, "cleanup"), ErrorCode.RETENTION_LOCKED, before);
    // shorten in compliance mode, whoever asks
    assertRefused(() -> store.extend(compliance.id(), time.now().plus(Duration.ofDays(1)), null, ADMIN, "oops"),
        ErrorCode.RETENTION_LOCKED, before);
    assertRefused(() -> store.extend(compliance.id(), compliance.retainUntil().plusSeconds(60), RetentionMode.GOVERNANCE, ADMIN, "x"),
        ErrorCode.RETENTION_LOCKED, before);
    // shorten in governance mode without the bypass permission
    assertRefused(() -> store.extend(governance.id(), time.now().plus(Duration.ofDays(1)), null, ALICE, "oops"),
        ErrorCode.PERMISSION_DENIED, before);
    // remove a hold without permission
    assertRefused(() -> store.hold(held.id(), false, ALICE, "done"), ErrorCode.PERMISSION_DENIED, before);

    assertThat(store.read("c-1")).isEqualTo(DATA);
  }

  @Test
  void delete_lockedBeforeRetentionEnds_deletableAfterAndRecorded() {
    open();
    RecordInfo r = store.write(DATA, days(10, RetentionMode.COMPLIANCE), ALICE);
    time.advance(Duration.ofDays(10).minusMillis(1));
    assertThatThrownBy(() -> store.delete(r.id(), ADMIN, "too early"))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RETENTION_LOCKED))
        .hasMessageContaining("retained until " + r.retainUntil());
    time.advance(Duration.ofMillis(1));
    RecordInfo deleted = store.delete(r.id(), ALICE, "retention over");
    assertThat(deleted.exists()).isFalse();
    assertThat(deleted.deletedAt()).isEqualTo(time.now());
    assertThat(new RecordFiles(dir).exists(r.id())).isFalse();
    assertThat(Files.exists(new RecordFiles(dir).metaFile(r.id()))).isFalse();
    LedgerEvent last = entries(dir).get((int) deleted.lastChange());
    assertThat(last.type()).isEqualTo(LedgerEvent.Type.DELETE);
    assertThat(last.actor()).isEqualTo("alice");
    assertThat(last.reason()).isEqualTo("retention over");
    assertThatThrownBy(() -> store.read(r.id()))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
        .hasMessageContaining("deleted");
    assertThatThrownBy(() -> store.write(DATA, days(1, null).withId(r.id()), ALICE))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    reopen();
    assertThat(store.info(r.id()).exists()).isFalse();
    assertThat(store.list(null)).isEmpty();
  }

  @Test
  void hold_blocksDeletionUntilRemovedWithPermission() {
    open();
    RecordInfo r = store.write(DATA, days(1, RetentionMode.GOVERNANCE), ALICE);
    assertThat(store.hold(r.id(), true, ALICE, "litigation 17").legalHold()).isTrue();
    time.advance(Duration.ofDays(2));
    assertThatThrownBy(() -> store.delete(r.id(), ADMIN, "x")).hasMessageContaining("legal hold");
    reopen();
    assertThat(store.info(r.id()).legalHold()).isTrue();
    assertThat(store.hold(r.id(), false, ADMIN, "case closed").legalHold()).isFalse();
    store.delete(r.id(), ALICE, "retention over");
    assertThat(entries(dir)).extracting(LedgerEvent::type).containsSubsequence(
        LedgerEvent.Type.WRITE, LedgerEvent.Type.HOLD, LedgerEvent.Type.HOLD, LedgerEvent.Type.DELETE);
  }

  @Test
  void extend_complianceLater_isAllowedAndGovernanceShortenWithBypassIsRecorded() {
    open();
    RecordInfo c = store.write(DATA, days(5, RetentionMode.COMPLIANCE), ALICE);
    Instant later = c.retainUntil().plus(Duration.ofDays(30));
    assertThat(store.extend(c.id(), later, null, ALICE, "audit").retainUntil()).isEqualTo(later);
    RecordInfo g = store.write(DATA, days(365, RetentionMode.GOVERNANCE), ALICE);
    Instant sooner = time.now().plus(Duration.ofDays(1));
    RecordInfo shortened = store.extend(g.id(), sooner, null, ADMIN, "mistaken retention");
    assertThat(shortened.retainUntil()).isEqualTo(sooner);
    LedgerEvent e = entries(dir).get((int) shortened.lastChange());
    assertThat(e.type()).isEqualTo(LedgerEvent.Type.SHORTEN);
    assertThat(e.actor()).isEqualTo("admin");
    assertThat(e.reason()).isEqualTo("mistaken retention");
    RecordInfo upgraded = store.extend(g.id(), sooner, RetentionMode.COMPLIANCE, ALICE, "lock it");
    assertThat(upgraded.mode()).isEqualTo(RetentionMode.COMPLIANCE);
    assertThatThrownBy(() -> store.extend(g.id(), time.now().plusSeconds(5), null, ADMIN, "x"))
        .isInstanceOfSatisfying(DwException.class, ex -> assertThat(ex.code()).isEqualTo(ErrorCode.RETENTION_LOCKED));
  }

  @Test
  void read_dataFileChangedByOneByte_failsWithIntegrityNamingTheRecord() throws Exception {
    open();
    RecordInfo r = store.write(DATA, days(1, null), ALICE);
    store.flush(); // a small record's data file is written behind the write
    Path f = new RecordFiles(dir).dataFile(r.id());
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    byte[] b = Files.readAllBytes(f);
    b[b.length - 3] ^= 1;
    Files.write(f, b);
    assertThatThrownBy(() -> store.read(r.id()))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY))
        .hasMessageContaining("record " + r.id())
        .hasMessageContaining("expected sha256 " + r.sha256());
    Path out = dir.resolveSibling(dir.getFileName() + "-o").resolve("x");
    assertThatThrownBy(() -> store.readTo(r.id(), out)).isInstanceOf(DwException.class);
    assertThat(out).doesNotExist();
  }

  @Test
  void proof_ofARecord_verifiesWithTheVerifierAloneAndRejectsOtherContent() {
    open();
    RecordInfo r = store.write(DATA, days(3, RetentionMode.GOVERNANCE), ALICE);
    store.hold(r.id(), true, ALICE, "keep");
    for (int i = 0; i < 20; i++) {
      store.write(("filler " + i).getBytes(StandardCharsets.UTF_8), days(3, null), ALICE);
    }
    RecordProof p = store.proof(r.id());
    assertThat(p.entries()).hasSize(2);
    LedgerVerifier v = LedgerVerifier.forKey(LedgerVerifier.parsePublicKey(p.publicKey()));
    assertThat(v.verifyRecord(p, DATA).valid()).isTrue();
    assertThat(v.verifyRecord(p, "tampered".getBytes(StandardCharsets.UTF_8)).reason()).contains("SHA-256");
  }

  @Test
  void now_clockSteppedBackBeforeTheLedger_neverDatesBeforeTheLatestEntry() {
    time.advance(Duration.ofDays(100));
    open();
    store.write(DATA, days(1, null), ALICE);
    Instant latest = time.now();
    store.close();
    store = TamperProofStore.open(dir, config, new ManualTime()); // 100 days earlier
    RecordInfo r = store.write(DATA, days(5, null), ALICE);
    assertThat(r.createdAt()).isEqualTo(latest);
    assertThat(r.retainUntil()).isEqualTo(latest.plus(Duration.ofDays(5)));
  }

  @Test
  void open_afterCrashes_setsAsideUnledgeredFilesAndFinishesDeletes() throws Exception {
    open();
    RecordInfo kept = store.write(DATA, days(1, null), ALICE);
    RecordInfo gone = store.write(DATA, days(1, null), ALICE);
    time.advance(Duration.ofDays(2));
    store.flush(); // small records' data files are written behind the writes
    Path goneFile = new RecordFiles(dir).dataFile(gone.id());
    byte[] goneBytes = Files.readAllBytes(goneFile);
    store.delete(gone.id(), ALICE, "over");
    store.close();
    store = null;
    RecordFiles files = new RecordFiles(dir);
    // a delete interrupted after its entry: the file is still there
    Files.write(goneFile, goneBytes);
    // a write interrupted before its entry: a finished data file the ledger never heard of
    files.write("never-acked", new java.io.ByteArrayInputStream(DATA), 1 << 20);
    // and one interrupted mid-file
    Path tmp = files.dataFile(kept.id()).resolveSibling(".dwtmp-half-" + 7);
    Files.write(tmp, new byte[] {1, 2, 3});
    // and a metadata file lost in the crash
    Files.delete(files.metaFile(kept.id()));

    open();
    assertThat(files.exists(gone.id())).isFalse();
    assertThat(files.exists("never-acked")).isFalse();
    assertThat(tmp).doesNotExist();
    assertThat(files.readMeta(kept.id())).isEqualTo(store.info(kept.id()));
    assertThat(store.list(null)).extracting(RecordInfo::id).containsExactly(kept.id());
    assertThat(Files.list(dir.resolve("quarantine"))).singleElement()
        .satisfies(p -> assertThat(p.getFileName().toString()).startsWith("never-acked.rec"));
    List<LedgerEvent> recovery = entries(dir).stream().filter(e -> e.type() == LedgerEvent.Type.RECOVERY).toList();
    assertThat(recovery).singleElement().satisfies(e -> assertThat(e.id()).isNull());
  }

  @Test
  void open_storeAlreadyOpen_isRefusedUntilClosed() {
    open();
    assertThatThrownBy(() -> TamperProofStore.open(dir, config, time))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
        .hasMessageContaining("already open");
    assertThat(TamperProofStore.verifyOffline(dir, VerifyOptions.all(), time).ok()).as("verify works meanwhile").isTrue();
    store.close();
    open();
  }

  @Test
  void readAudited_recordsTheReadInTheLedger() {
    open();
    RecordInfo r = store.write(DATA, days(1, null), ALICE);
    TamperProofStore.AuditedRead read = store.readAudited(r.id(), Caller.of("auditor"), "SEC exam 2026-3");
    assertThat(read.content()).isEqualTo(DATA);
    LedgerEvent e = entries(dir).get((int) read.ledgerIndex());
    assertThat(e.type()).isEqualTo(LedgerEvent.Type.READ_AUDIT);
    assertThat(e.actor()).isEqualTo("auditor");
    assertThat(e.sha256()).isEqualTo(r.sha256());
  }

  @Test
  void events_areEmittedForEveryChange() {
    open();
    List<TamperProofEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    store.addListener(seen::add);
    RecordInfo r = store.write(DATA, days(1, RetentionMode.GOVERNANCE), ALICE);
    store.hold(r.id(), true, ALICE, null);
    store.extend(r.id(), r.retainUntil().plusSeconds(3600), null, ALICE, null);
    store.checkpoint();
    assertThat(seen).extracting(TamperProofEvent::type).containsExactly("written", "hold", "extended", "checkpoint");
    assertThat(seen.get(0).recordId()).isEqualTo(r.id());
  }

  private void assertRefused(ThrowingCallable call, ErrorCode code, Map<String, String> before) {
    assertThatThrownBy(call).isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(code));
    assertThat(snapshot(dir)).as("nothing on disk changed").isEqualTo(before);
  }
}
