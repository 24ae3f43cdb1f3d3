package io.datawarehouse.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.provider.ResilienceOptions;
import io.datawarehouse.sdk.provider.ResilientBackend;
import io.datawarehouse.storage.ByteRange;
import io.datawarehouse.storage.ListPage;
import io.datawarehouse.storage.ListRequest;
import io.datawarehouse.storage.ObjectContent;
import io.datawarehouse.storage.ObjectInfo;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.TestData;
import io.datawarehouse.storage.Worm;
import io.datawarehouse.storage.local.LocalObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider pattern around a remote store, with a hand-written remote that can be switched
 * off (every call UNAVAILABLE, probe DOWN): writes taken while it is down are journaled and
 * replayed with identical content when it returns, also across a restart of the wrapper.
 */
class ResilientObjectStoreTest {
  @TempDir
  Path tmp;

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private Remote remote;
  private ResilientObjectStore store;

  /** A "remote" store: a local store behind a switch. */
  static final class Remote implements ObjectStore {
    final LocalObjectStore inner;
    volatile boolean down;

    Remote(Path dir) {
      inner = LocalObjectStore.open("remote", dir, Time.SYSTEM);
    }

    private void check() {
      if (down) {
        throw DwException.unavailable("connection refused (the test switched the remote off)", null);
      }
    }

    @Override
    public String name() {
      return "remote";
    }

    @Override
    public String type() {
      return "fake";
    }

    @Override
    public ObjectInfo put(String key, InputStream content, long sizeHint, PutOptions options) {
      check();
      return inner.put(key, content, sizeHint, options);
    }

    @Override
    public ObjectContent get(String key, ByteRange range) {
      check();
      return inner.get(key, range);
    }

    @Override
    public ObjectInfo stat(String key) {
      check();
      return inner.stat(key);
    }

    @Override
    public boolean delete(String key) {
      check();
      return inner.delete(key);
    }

    @Override
    public ListPage list(ListRequest request) {
      check();
      return inner.list(request);
    }

    @Override
    public Worm worm() {
      check();
      return inner.worm();
    }

    @Override
    public Health probe() {
      return down ? Health.down("switched off") : Health.up();
    }

    @Override
    public void close() {
      // the test closes inner itself
    }
  }

  @BeforeEach
  void setUp() {
    remote = new Remote(tmp.resolve("remote"));
    store = open();
  }

  private ResilientObjectStore open() {
    ResilientObjectStore s = new ResilientObjectStore("r", "fake", "fake://remote", () -> remote,
        ResilienceOptions.defaults().withProbeInterval(Duration.ofHours(1)).withRetries(0, Duration.ofMillis(1)),
        1024 * 1024, tmp.resolve("plugin"), Time.SYSTEM, scheduler, new SimpleMeterRegistry());
    s.start();
    return s;
  }

  @AfterEach
  void tearDown() {
    store.close();
    remote.inner.close();
    scheduler.shutdownNow();
  }

  private static void assertCode(Runnable r, ErrorCode code) {
    assertThatThrownBy(r::run).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).as(e.getMessage()).isEqualTo(code));
  }

  @Test
  void outage_writesJournaledThenReplayedWithIdenticalContent() {
    byte[] before = TestData.bytes(1, 10_000);
    store.put("a", new ByteArrayInputStream(before), before.length, PutOptions.DEFAULT);
    assertThat(store.state()).isEqualTo(ResilientBackend.State.CONNECTED);

    remote.down = true;
    byte[] during = TestData.bytes(2, 200_000);
    ObjectInfo info = store.put("b", new ByteArrayInputStream(during), during.length, PutOptions.DEFAULT);
    assertThat(store.state()).isEqualTo(ResilientBackend.State.DEGRADED);
    assertThat(store.probe().status()).isEqualTo(Health.Status.DEGRADED);
    assertThat(store.delete("a")).isTrue();
    try (ObjectContent c = store.get("b", null)) {
      assertThat(c.readAllBytes()).isEqualTo(during); // served by the fallback
    }
    assertCode(() -> store.stat("never-written"), ErrorCode.UNAVAILABLE); // not a false NOT_FOUND
    assertCode(() -> store.list(ListRequest.prefix("")), ErrorCode.UNAVAILABLE);

    remote.down = false;
    store.probeNow();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> store.state() == ResilientBackend.State.CONNECTED);
    try (ObjectContent c = remote.inner.get("b", null)) {
      assertThat(c.readAllBytes()).isEqualTo(during);
    }
    assertThat(remote.inner.stat("b").sha256()).isEqualTo(info.sha256());
    assertCode(() -> remote.inner.stat("a"), ErrorCode.NOT_FOUND); // the delete was replayed, in order
  }

  @Test
  void outage_journalSurvivesRestart() {
    remote.down = true;
    byte[] data = TestData.bytes(3, 50_000);
    store.put("kept", new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT);
    store.close();
    remote.down = false;
    store = open(); // replays the journal left by the first run
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> store.state() == ResilientBackend.State.CONNECTED);
    try (ObjectContent c = remote.inner.get("kept", null)) {
      assertThat(c.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void outage_largePutAndWorm_unavailableNotJournaled() {
    remote.down = true;
    store.put("trip", new ByteArrayInputStream(new byte[1]), 1, PutOptions.DEFAULT); // notices the outage
    byte[] big = new byte[2 * 1024 * 1024];
    assertCode(() -> store.put("big", new ByteArrayInputStream(big), big.length, PutOptions.DEFAULT), ErrorCode.UNAVAILABLE);
    assertCode(() -> store.worm(), ErrorCode.UNAVAILABLE);
  }

  @Test
  void connected_errorsOfTheStorePassThrough() {
    assertCode(() -> store.stat("none"), ErrorCode.NOT_FOUND);
    assertThat(store.delete("none")).isFalse();
    byte[] big = TestData.bytes(4, 3 * 1024 * 1024);
    ObjectInfo i = store.put("big", new ByteArrayInputStream(big), big.length, PutOptions.DEFAULT);
    assertThat(remote.inner.stat("big").sha256()).isEqualTo(i.sha256());
    assertCode(() -> store.put("x", new ByteArrayInputStream(new byte[] {1}), 1,
        PutOptions.DEFAULT.withExpectedSha256("0".repeat(64))), ErrorCode.INTEGRITY);
  }
}
