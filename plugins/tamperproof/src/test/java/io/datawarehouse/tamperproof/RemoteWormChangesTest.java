package io.datawarehouse.tamperproof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.tamperproof.internal.LedgerEvent;
import io.datawarehouse.testkit.ManualTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Legal hold and retention changes reach the remote WORM copy: through {@code storage.write.worm}
 * ({@code action} legalHold / extend) after the copy, journaled while the storage plugin is
 * unavailable and replayed in order, once, after the copy they follow; changes made while the
 * plugin was not running (the command line) are sent when it starts. The storage side is {@link
 * FakeStorage}, which logs every request it answers.
 */
class RemoteWormChangesTest {
  private static final Duration T = Duration.ofSeconds(30);

  @TempDir Path dataDir;
  final ManualTime time = new ManualTime();
  Kernel kernel;
  TamperProofPlugin plugin;
  FakeStorage storage;
  /** The cloud's objects: they outlive restarts of the node. */
  final Map<String, FakeStorage.Stored> cloud = new java.util.concurrent.ConcurrentHashMap<>();

  void start() {
    plugin = new TamperProofPlugin();
    kernel = Kernel.builder().dataDir(dataDir).plugins(List.of(plugin)).time(time)
        .override("tamperproof.remote.type", "s3")
        .override("tamperproof.remote.store", "worm-bucket")
        .override("tamperproof.remote.timeout", "2s")
        .override("tamperproof.remote.retries", "0")
        .override("tamperproof.grants.counsel.permissions", "legal-hold")
        .build();
    kernel.start();
  }

  /** Starts the kernel with a storage responder (available or not) and lets the plugin see it. */
  void startWithStorage(boolean available) {
    start();
    storage = new FakeStorage(kernel.bus(), cloud);
    storage.unavailable = !available;
    plugin.remoteCopies().probeNow();
  }

  void restart(boolean available) {
    storage.close();
    kernel.close();
    startWithStorage(available);
  }

  @AfterEach
  void stop() {
    if (storage != null) {
      storage.close();
    }
    if (kernel != null) {
      kernel.close();
    }
  }

  String write(int retainDays) {
    return kernel.bus().requestSync(Message.json("tamperproof.write", body("namespace", "ns",
        "content", java.util.Base64.getEncoder().encodeToString("minutes".getBytes(StandardCharsets.UTF_8)),
        "retainDays", retainDays)), T).jsonTree().path("id").asText();
  }

  void hold(String id, boolean on) {
    kernel.bus().requestSync(Message.json("tamperproof.hold", body("id", id, "on", on, "actor", "counsel")), T);
  }

  Instant extend(String id, int retainDays) {
    return Instant.parse(kernel.bus().requestSync(Message.json("tamperproof.extend", body("id", id, "retainDays", retainDays)), T)
        .jsonTree().path("retainUntil").asText());
  }

  static Map<String, Object> body(Object... kv) {
    return TamperProofPluginTest.body(kv);
  }

  static String key(String id) {
    return "tamperproof/ns/" + id;
  }

  /** The REMOTE_COPY entries of record {@code id}: their action and the ledger state they carry. */
  List<String> remoteEntries(String id) {
    return StoreFixture.entries(dataDir.resolve("tamperproof")).stream()
        .filter(e -> e.type() == LedgerEvent.Type.REMOTE_COPY && id.equals(e.id()))
        .map(e -> e.detail().get("action") + "@" + e.detail().get("state"))
        .toList();
  }

  long entryOf(String id, LedgerEvent.Type type, int nth) {
    return StoreFixture.entries(dataDir.resolve("tamperproof")).stream()
        .filter(e -> e.type() == type && id.equals(e.id())).skip(nth).findFirst().orElseThrow().seq();
  }

  @Test
  void holdAndExtend_afterTheCopy_reachTheRemoteInOrderAndAreRecorded() {
    startWithStorage(true);
    String id = write(3);
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(id));

    hold(id, true);
    Instant until = extend(id, 40);
    hold(id, false);
    await().atMost(T).until(() -> storage.actions(key(id)).size() == 4);

    assertThat(storage.actions(key(id))).containsExactly("put", "legalHold:true", "extend:" + until, "legalHold:false");
    FakeStorage.Stored remote = storage.objects.get(key(id));
    assertThat(remote.legalHold()).isFalse();
    assertThat(Instant.parse(remote.retainUntil())).isEqualTo(until);
    assertThat(remote.mode()).isEqualTo("GOVERNANCE");
    await().atMost(T).until(() -> remoteEntries(id).size() == 4);
    assertThat(remoteEntries(id)).containsExactly(
        "put@" + entryOf(id, LedgerEvent.Type.WRITE, 0),
        "legalHold@" + entryOf(id, LedgerEvent.Type.HOLD, 0),
        "extend@" + entryOf(id, LedgerEvent.Type.EXTEND, 0),
        "legalHold@" + entryOf(id, LedgerEvent.Type.HOLD, 1));
    assertThat(plugin.remoteCopies().health().details()).containsEntry("changesApplied", 3L).containsEntry("backlog", 0L);

    // a restart finds nothing to send again
    restart(true);
    assertNothingSentButANewCopy();
  }

  /**
   * Writes a record and waits for its copy: the one worker takes tasks in order, so whatever start
   * queued was handled before; then only that copy may have reached the storage plugin.
   */
  void assertNothingSentButANewCopy() {
    String probe = write(1);
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(probe));
    assertThat(storage.log).extracting(q -> q.path("key").asText()).containsExactly(key(probe));
  }

  @Test
  void storageUnavailable_changesAreJournaledThenReplayedInOrderExactlyOnce_evenAcrossARestart() {
    startWithStorage(true);
    String id = write(3);
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(id));
    assertThat(storage.actions(key(id))).containsExactly("put");

    storage.unavailable = true;
    hold(id, true);
    Instant first = extend(id, 20);
    Instant second = extend(id, 50);
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 3);
    Health h = plugin.health();
    assertThat(h.status()).isEqualTo(Health.Status.DEGRADED);
    assertThat(h.components().get("remote").details()).containsEntry("backlog", 3L);
    FakeStorage.Stored before = storage.objects.get(key(id));
    assertThat(before.legalHold()).isFalse(); // nothing reached the remote meanwhile

    // the journal is on disk: a restart while the cloud is still down keeps the changes
    restart(false);
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 3);
    assertThat(storage.log).isEmpty();

    storage.unavailable = false;
    plugin.remoteCopies().probeNow();
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 0 && storage.log.size() == 3);
    assertThat(storage.actions(key(id))).containsExactly("legalHold:true", "extend:" + first, "extend:" + second);
    FakeStorage.Stored after = storage.objects.get(key(id));
    assertThat(after.legalHold()).isTrue();
    assertThat(Instant.parse(after.retainUntil())).isEqualTo(second);
    await().atMost(T).until(() -> plugin.health().status() == Health.Status.UP);

    // replayed once: another restart sends nothing
    restart(true);
    assertNothingSentButANewCopy();
    assertThat(remoteEntries(id)).hasSize(4);
  }

  @Test
  void changesOfARecordWhoseCopyIsStillPending_reachTheRemoteWithOrAfterTheCopyNeverBefore() {
    startWithStorage(false);
    String id = write(3);
    hold(id, true);
    Instant until = extend(id, 30);
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 3);
    assertThat(storage.objects).isEmpty();

    storage.unavailable = false;
    plugin.remoteCopies().probeNow();
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 0 && plugin.store().hasRemoteCopy(id));
    List<String> sent = storage.actions(key(id));
    assertThat(sent).first().isEqualTo("put");
    // the copy was sent after the changes were committed: it carries them, so they are not sent again
    assertThat(sent).containsExactly("put");
    FakeStorage.Stored remote = storage.objects.get(key(id));
    assertThat(remote.legalHold()).isTrue();
    assertThat(Instant.parse(remote.retainUntil())).isEqualTo(until);
    assertThat(remoteEntries(id)).containsExactly("put@" + entryOf(id, LedgerEvent.Type.EXTEND, 0));
  }

  @Test
  void changesMadeWhileThePluginWasStopped_areSentWhenItStarts() {
    startWithStorage(true);
    String id = write(3);
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(id));
    storage.close();
    kernel.close();
    storage = null;
    kernel = null;

    // as `dw worm hold` and `dw worm extend` do, on the data directory without a server
    Instant until;
    try (TamperProofStore offline = TamperProofStore.open(dataDir.resolve("tamperproof"), TamperProofConfig.defaults(), time)) {
      offline.hold(id, true, Caller.of("cli"), "litigation");
      until = offline.extend(id, time.now().plus(Duration.ofDays(60)), RetentionMode.COMPLIANCE, Caller.of("cli"), null)
          .retainUntil();
    }

    startWithStorage(true);
    await().atMost(T).until(() -> storage.log.size() == 2 && plugin.remoteCopies().backlog() == 0);
    assertThat(storage.actions(key(id))).containsExactly("legalHold:true", "extend:" + until);
    FakeStorage.Stored remote = storage.objects.get(key(id));
    assertThat(remote.legalHold()).isTrue();
    assertThat(remote.mode()).isEqualTo("COMPLIANCE");
    assertThat(Instant.parse(remote.retainUntil())).isEqualTo(until);
  }

  @Test
  void governanceRetentionShortenedHere_reachesTheRemoteWithTheGovernanceBypass() {
    startWithStorage(true);
    String id = write(30);
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(id));
    Instant shorter = shorten(id, 10);
    await().atMost(T).until(() -> remoteEntries(id).size() == 2);
    assertThat(storage.actions(key(id))).containsExactly("put", "shorten:" + shorter);
    assertThat(storage.log.get(storage.log.size() - 1).path("bypassGovernanceRetention").asBoolean()).isTrue();
    assertThat(remoteEntries(id)).containsExactly("put@" + entryOf(id, LedgerEvent.Type.WRITE, 0),
        "shorten@" + entryOf(id, LedgerEvent.Type.SHORTEN, 0));
    FakeStorage.Stored remote = storage.objects.get(key(id));
    assertThat(Instant.parse(remote.retainUntil())).isEqualTo(shorter);
    assertThat(remote.mode()).isEqualTo("GOVERNANCE");
    assertThat(plugin.remoteCopies().health().details()).doesNotContainKey("lastTaskError");

    // an extension after it is an ordinary one; a restart sends nothing again
    Instant later = extend(id, 20);
    await().atMost(T).until(() -> remoteEntries(id).size() == 3);
    assertThat(storage.actions(key(id))).containsExactly("put", "shorten:" + shorter, "extend:" + later);
    restart(true);
    assertNothingSentButANewCopy();
  }

  Instant shorten(String id, int retainDays) {
    return plugin.store().extend(id, time.now().plus(Duration.ofDays(retainDays)), null,
        Caller.of("officer", Permission.GOVERNANCE_BYPASS), "mistake").retainUntil();
  }

  @Test
  void aShorteningMadeWhileTheRemoteWasDown_isJournaledAndReplayed_andOneMadeOffline_isSentAtStart() {
    startWithStorage(true);
    String a = write(30);
    String b = write(30);
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(a) && plugin.store().hasRemoteCopy(b));
    storage.unavailable = true;
    Instant shortA = shorten(a, 10);
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 1);
    restart(false); // the journal keeps it across a restart
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 1);
    storage.unavailable = false;
    plugin.remoteCopies().probeNow();
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 0 && remoteEntries(a).size() == 2);
    assertThat(storage.actions(key(a))).containsExactly("shorten:" + shortA);
    assertThat(Instant.parse(cloud.get(key(a)).retainUntil())).isEqualTo(shortA);

    // as `dw worm extend` does without a server: shortened, then made compliance at that date
    storage.close();
    kernel.close();
    storage = null;
    kernel = null;
    Instant shortB;
    try (TamperProofStore offline = TamperProofStore.open(dataDir.resolve("tamperproof"), TamperProofConfig.defaults(), time)) {
      shortB = offline.extend(b, time.now().plus(Duration.ofDays(5)), null, Caller.of("cli", Permission.GOVERNANCE_BYPASS), null)
          .retainUntil();
      offline.extend(b, shortB, RetentionMode.COMPLIANCE, Caller.of("cli"), null);
    }
    startWithStorage(true);
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 0 && remoteEntries(b).size() == 2);
    assertThat(storage.actions(key(b))).containsExactly("shorten:" + shortB, "extend:" + shortB);
    assertThat(cloud.get(key(b)).mode()).isEqualTo("COMPLIANCE");
    assertThat(Instant.parse(cloud.get(key(b)).retainUntil())).isEqualTo(shortB);
    assertThat(remoteEntries(b)).last().isEqualTo("shorten@" + entryOf(b, LedgerEvent.Type.EXTEND, 0));
  }

  @Test
  void aStoreThatDoesNotAllowTheBypass_keepsTheLongerRetention_andTheRefusalIsReported() {
    startWithStorage(true);
    storage.bypassAllowed = false;
    String id = write(30);
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(id));
    String remoteUntil = storage.objects.get(key(id)).retainUntil();
    Instant shorter = shorten(id, 10);
    await().atMost(T).until(() -> plugin.remoteCopies().health().details().get("failedChanges").equals(1L));
    assertThat(storage.actions(key(id))).containsExactly("put", "shorten:" + shorter);
    assertThat(storage.objects.get(key(id)).retainUntil()).isEqualTo(remoteUntil);
    assertThat(remoteEntries(id)).containsExactly("put@" + entryOf(id, LedgerEvent.Type.WRITE, 0));
    Health h = plugin.remoteCopies().health();
    assertThat(h.status()).isEqualTo(Health.Status.DEGRADED);
    assertThat(String.valueOf(h.details().get("lastTaskError"))).contains(id).contains("shorten");

    // allowed later: the next start sends it again
    storage.bypassAllowed = true;
    restart(true);
    await().atMost(T).until(() -> remoteEntries(id).size() == 2);
    assertThat(Instant.parse(cloud.get(key(id)).retainUntil())).isEqualTo(shorter);
  }

  @Test
  void aChangeTheRemoteRefuses_isReportedAndDoesNotHoldUpTheChangesBehindIt() {
    startWithStorage(true);
    String a = write(3);
    String b = write(3);
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(a) && plugin.store().hasRemoteCopy(b));
    storage.unavailable = true;
    cloud.remove(key(a)); // the remote copy of a is gone (deleted out of band)
    hold(a, true);
    hold(b, true);
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 2);

    storage.unavailable = false;
    plugin.remoteCopies().probeNow();
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 0 && storage.actions(key(b)).size() == 2);
    assertThat(storage.actions(key(a))).containsExactly("put", "legalHold:true");
    assertThat(cloud.get(key(b)).legalHold()).isTrue();
    assertThat(remoteEntries(a)).containsExactly("put@" + entryOf(a, LedgerEvent.Type.WRITE, 0));
    assertThat(remoteEntries(b)).hasSize(2);
    Health h = plugin.remoteCopies().health();
    assertThat(h.status()).isEqualTo(Health.Status.DEGRADED);
    assertThat(h.details()).containsEntry("failedChanges", 1L);
    assertThat(String.valueOf(h.details().get("lastTaskError"))).contains(a).contains("no object");
  }

  @Test
  void aCopyWhoseReplyWasLost_isBroughtUpToItsRecordsHoldAndRetentionWhenRetried() {
    startWithStorage(true);
    storage.loseReplies = true; // the put is stored with no hold, but tamperproof never hears so
    String id = write(3);
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 1 && cloud.containsKey(key(id)));
    hold(id, true);
    Instant until = extend(id, 20);
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 3);
    assertThat(cloud.get(key(id)).legalHold()).isFalse();

    storage.loseReplies = false;
    plugin.remoteCopies().probeNow();
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 0 && plugin.store().hasRemoteCopy(id));
    // the retried put found the object (RETENTION_LOCKED) and set the record's hold and retention on it
    assertThat(storage.actions(key(id))).containsExactly("put", "put", "legalHold:true", "extend:" + until);
    FakeStorage.Stored remote = cloud.get(key(id));
    assertThat(remote.legalHold()).isTrue();
    assertThat(Instant.parse(remote.retainUntil())).isEqualTo(until);
  }

  @Test
  void aCopyTheRemoteRefuses_isReportedAndDoesNotHoldUpTheChangesBehindIt() {
    startWithStorage(false);
    String a = write(3);
    String b = write(3);
    hold(b, true);
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 3);
    storage.refusePuts.add(key(a));

    storage.unavailable = false;
    plugin.remoteCopies().probeNow();
    await().atMost(T).until(() -> plugin.remoteCopies().backlog() == 0 && plugin.store().hasRemoteCopy(b));
    assertThat(plugin.store().hasRemoteCopy(a)).isFalse();
    assertThat(cloud.get(key(b)).legalHold()).isTrue();
    Health h = plugin.remoteCopies().health();
    assertThat(h.status()).isEqualTo(Health.Status.DEGRADED);
    assertThat(h.details()).containsEntry("failedCopies", 1L);

    // refused for now, not forgotten: the next start copies it again
    storage.refusePuts.clear();
    restart(true);
    await().atMost(T).until(() -> plugin.store().hasRemoteCopy(a));
    // health follows once the provider pattern has settled (it may still be replaying its journal)
    await().atMost(T).until(() -> plugin.remoteCopies().health().status() == Health.Status.UP);
  }
}
