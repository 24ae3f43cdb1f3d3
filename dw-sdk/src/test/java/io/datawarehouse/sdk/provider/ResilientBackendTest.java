package io.datawarehouse.sdk.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The provider pattern against a hand-written fake service that can be switched off. */
class ResilientBackendTest {
  @TempDir Path tmp;
  ScheduledExecutorService scheduler;
  ListAppender<ILoggingEvent> logs;
  final List<ResilientBackend<?>> opened = new ArrayList<>();

  /** The test SPI: a key-value store. */
  interface Kv {
    void put(String k, String v) throws IOException;

    Optional<String> get(String k) throws IOException;
  }

  /** The fallback: a map. */
  static final class MemoryKv implements Kv {
    final Map<String, String> map = new ConcurrentHashMap<>();

    @Override
    public void put(String k, String v) {
      map.put(k, v);
    }

    @Override
    public Optional<String> get(String k) {
      return Optional.ofNullable(map.get(k));
    }
  }

  /** The "real service": can be down; remembers which idempotency keys it applied. */
  static final class FakeService {
    volatile boolean down;
    volatile int failEvery; // > 0: every n-th call fails
    final AtomicInteger calls = new AtomicInteger();
    final Map<String, String> data = Collections.synchronizedMap(new LinkedHashMap<>());
    final List<String> applied = Collections.synchronizedList(new ArrayList<>());
    final Set<String> seenKeys = ConcurrentHashMap.newKeySet();

    void check() throws IOException {
      int n = calls.incrementAndGet();
      if (down || (failEvery > 0 && n % failEvery == 0)) {
        throw new IOException("connection refused");
      }
    }

    Kv client() {
      return new Kv() {
        @Override
        public void put(String k, String v) throws IOException {
          check();
          data.put(k, v);
        }

        @Override
        public Optional<String> get(String k) throws IOException {
          check();
          return Optional.ofNullable(data.get(k));
        }
      };
    }

    /** Idempotent application of a journal record, as a real connector does it (e.g. in one transaction). */
    void apply(JournalRecord r) throws IOException {
      check();
      if (r.type().equals("reject")) {
        throw DwException.invalidArgument("the service rejects this value");
      }
      if (seenKeys.add(r.idempotencyKey())) {
        data.put(r.key(), new String(r.payload(), StandardCharsets.UTF_8));
        applied.add(r.key());
      }
    }
  }

  @BeforeEach
  void setUp() {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    Logger l = (Logger) LoggerFactory.getLogger(ResilientBackend.class);
    logs = new ListAppender<>();
    logs.start();
    l.addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    opened.forEach(ResilientBackend::close);
    scheduler.shutdownNow();
    ((Logger) LoggerFactory.getLogger(ResilientBackend.class)).detachAppender(logs);
  }

  private ResilientBackend<Kv> backend(FakeService svc, ResilienceOptions opts) {
    return backend(svc, opts, () -> {
      if (svc.down) {
        throw new IOException("connection refused");
      }
      return svc.client();
    });
  }

  private ResilientBackend<Kv> backend(FakeService svc, ResilienceOptions opts, ResilientBackend.Connector<Kv> connector) {
    ResilientBackend<Kv> b = ResilientBackend.<Kv>builder("kv")
        .target("kv://user:hunter2@127.0.0.1:9999")
        .connector(connector)
        .probe(kv -> kv.get("__probe__"))
        .applier((kv, r) -> {
          if (kv instanceof MemoryKv m) {
            m.put(r.key(), new String(r.payload(), StandardCharsets.UTF_8));
          } else {
            svc.apply(r);
          }
        })
        .fallback(MemoryKv::new)
        .options(opts)
        .journalDir(tmp.resolve("journal"))
        .scheduler(scheduler)
        .build();
    opened.add(b);
    return b;
  }

  private static ResilienceOptions fast() {
    return ResilienceOptions.defaults().withProbeInterval(Duration.ofHours(1)).withRetries(0, Duration.ofMillis(1));
  }

  private static void put(ResilientBackend<Kv> b, String k, String v) {
    b.write("put", k, v.getBytes(StandardCharsets.UTF_8));
  }

  private long warnings() {
    return logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN).count();
  }

  @Test
  void connected_writesAndReadsGoToTheRealService() {
    FakeService svc = new FakeService();
    ResilientBackend<Kv> b = backend(svc, fast());
    b.start();
    assertThat(b.state()).isEqualTo(ResilientBackend.State.CONNECTED);
    put(b, "a", "1");
    assertThat(svc.data).containsEntry("a", "1");
    assertThat(b.readOrUnavailable(kv -> kv.get("a"))).contains("1");
    assertThat(b.health().status()).isEqualTo(Health.Status.UP);
    assertThat(b.health().message()).contains("kv://user:****@127.0.0.1:9999").doesNotContain("hunter2");
  }

  @Test
  void unreachableAtStart_degradesWithOneWarn_journalsWrites_andReplaysThemInOrderOnRecovery() {
    FakeService svc = new FakeService();
    svc.down = true;
    ResilientBackend<Kv> b = backend(svc, fast());
    b.start();
    assertThat(b.state()).isEqualTo(ResilientBackend.State.DEGRADED);
    for (int i = 0; i < 20; i++) {
      put(b, "k" + i, "v" + i);
    }
    assertThat(warnings()).isEqualTo(1);
    assertThat(logs.list.get(0).getFormattedMessage()).contains("kv", "kv://user:****@127.0.0.1:9999", "connection refused").doesNotContain("hunter2");
    assertThat(b.readOrUnavailable(kv -> kv.get("k7"))).contains("v7");
    assertThatThrownBy(() -> b.readOrUnavailable(kv -> kv.get("from-before-the-outage")))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    Health h = b.health();
    assertThat(h.status()).isEqualTo(Health.Status.DEGRADED);
    assertThat(h.details()).containsEntry("pendingWrites", 20L);
    assertThat(svc.data).isEmpty();

    svc.down = false;
    b.probeOnce();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> b.state() == ResilientBackend.State.CONNECTED);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      expected.add("k" + i);
    }
    assertThat(svc.applied).containsExactlyElementsOf(expected);
    assertThat(b.pendingRecords()).isZero();
    assertThat(b.replayedTotal()).isEqualTo(20);
    assertThat(logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("replayed 20 journaled writes"))).isTrue();
    assertThat(warnings()).isEqualTo(1);
  }

  @Test
  void outageWhileConnected_failedWriteIsJournaled_notLost() {
    FakeService svc = new FakeService();
    ResilientBackend<Kv> b = backend(svc, fast());
    b.start();
    put(b, "before", "x");
    svc.down = true;
    put(b, "during", "y"); // cannot reach the service: acknowledged from the journal
    assertThat(b.state()).isEqualTo(ResilientBackend.State.DEGRADED);
    svc.down = false;
    b.probeOnce();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> b.state() == ResilientBackend.State.CONNECTED);
    assertThat(svc.data).containsEntry("before", "x").containsEntry("during", "y");
  }

  @Test
  void probeNoticesAnOutageWhileConnected() {
    FakeService svc = new FakeService();
    ResilientBackend<Kv> b = backend(svc, fast());
    b.start();
    svc.down = true;
    b.probeOnce();
    assertThat(b.state()).isEqualTo(ResilientBackend.State.DEGRADED);
  }

  @Test
  void fallbackFull_isUnavailableSayingSo_andAcknowledgedWritesStay() {
    FakeService svc = new FakeService();
    svc.down = true;
    ResilientBackend<Kv> b = backend(svc, fast().withLimits(5, 1 << 20, 1 << 20));
    b.start();
    for (int i = 0; i < 5; i++) {
      put(b, "k" + i, "v");
    }
    assertThatThrownBy(() -> put(b, "k5", "v")).isInstanceOfSatisfying(DwException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
      assertThat(e.getMessage()).contains("is down and its fallback is full").contains("5 writes");
    });
    assertThat(b.pendingRecords()).isEqualTo(5);
    svc.down = false;
    b.probeOnce();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> b.state() == ResilientBackend.State.CONNECTED);
    assertThat(svc.data).containsOnlyKeys("k0", "k1", "k2", "k3", "k4");
  }

  @Test
  void journalFull_isUnavailableSayingSo() {
    FakeService svc = new FakeService();
    svc.down = true;
    ResilientBackend<Kv> b = backend(svc, fast().withLimits(1000, 1 << 20, 200));
    b.start();
    assertThatThrownBy(() -> {
      for (int i = 0; i < 100; i++) {
        put(b, "k" + i, "some value that takes room");
      }
    }).isInstanceOfSatisfying(DwException.class, e -> assertThat(e.getMessage()).contains("journal is full"));
  }

  @Test
  void repeatedFailures_openTheBreaker_andTheBackendDegrades() {
    FakeService svc = new FakeService();
    ResilientBackend<Kv> b = backend(svc, fast());
    b.start();
    svc.failEvery = 2; // half the calls fail: over the 50% threshold
    for (int i = 0; i < 40 && b.state() == ResilientBackend.State.CONNECTED; i++) {
      try {
        b.read(kv -> kv.get("x"));
      } catch (DwException e) {
        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
      }
    }
    assertThat(b.state()).isEqualTo(ResilientBackend.State.DEGRADED);
    assertThat(warnings()).isEqualTo(1);
  }

  @Test
  void retries_hideASingleTransientFailure() {
    FakeService svc = new FakeService();
    ResilientBackend<Kv> b = backend(svc, fast().withRetries(2, Duration.ofMillis(1)));
    b.start();
    svc.failEvery = 3;
    for (int i = 0; i < 30; i++) {
      put(b, "k" + i, "v");
    }
    assertThat(b.state()).isEqualTo(ResilientBackend.State.CONNECTED);
    assertThat(svc.data).hasSize(30);
  }

  @Test
  void rejectionByTheService_isTheCallersError_notAnOutage() {
    FakeService svc = new FakeService();
    ResilientBackend<Kv> b = backend(svc, fast());
    b.start();
    assertThatThrownBy(() -> b.write("reject", "k", new byte[0]))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    assertThat(b.state()).isEqualTo(ResilientBackend.State.CONNECTED);
    assertThat(b.pendingRecords()).isZero();
  }

  @Test
  void requireReal_failsFastAtStart_andLiveFailuresSurface() {
    FakeService svc = new FakeService();
    svc.down = true;
    ResilientBackend<Kv> b = backend(svc, fast().withRequireReal(true));
    assertThatThrownBy(b::start).isInstanceOfSatisfying(DwException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
      assertThat(e.getMessage()).contains("requireReal").contains("connection refused");
    });
    svc.down = false;
    ResilientBackend<Kv> c = backend(svc, fast().withRequireReal(true));
    c.start();
    svc.down = true;
    assertThatThrownBy(() -> put(c, "k", "v")).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThat(c.pendingRecords()).isZero();
  }

  @Test
  void missingConnectorClass_isHandledLikeAnUnreachableService() {
    FakeService svc = new FakeService();
    ResilientBackend<Kv> b = backend(svc, fast(), () -> {
      throw new NoClassDefFoundError("redis/clients/jedis/JedisPooled");
    });
    b.start();
    assertThat(b.state()).isEqualTo(ResilientBackend.State.DEGRADED);
    assertThat(logs.list.get(0).getFormattedMessage()).contains("JedisPooled");
    put(b, "k", "v");
    Optional<String> got = b.read(kv -> kv.get("k"));
    assertThat(got).contains("v");
  }

  @Test
  void restart_reloadsTheJournalIntoTheFallback_thenReplaysWhenTheServiceReturns() {
    FakeService svc = new FakeService();
    svc.down = true;
    ResilientBackend<Kv> first = backend(svc, fast());
    first.start();
    for (int i = 0; i < 10; i++) {
      put(first, "k" + i, "v" + i);
    }
    // no close(): as after a crash, only the forced journal remains
    ResilientBackend<Kv> second = backend(svc, fast());
    second.start();
    assertThat(second.state()).isEqualTo(ResilientBackend.State.DEGRADED);
    assertThat(second.pendingRecords()).isEqualTo(10);
    Optional<String> got = second.read(kv -> kv.get("k3"));
    assertThat(got).contains("v3");
    first.close();
    svc.down = false;
    second.close();
    ResilientBackend<Kv> third = backend(svc, fast());
    third.start();
    assertThat(third.state()).isEqualTo(ResilientBackend.State.CONNECTED);
    assertThat(svc.applied).hasSize(10);
    assertThat(third.pendingRecords()).isZero();
  }

  @Test
  void failureDuringReplay_resumesFromTheCheckpoint_withoutApplyingAnythingTwice() {
    FakeService svc = new FakeService();
    svc.down = true;
    ResilientBackend<Kv> b = backend(svc, fast());
    b.start();
    for (int i = 0; i < 200; i++) {
      put(b, "k" + i, "v" + i);
    }
    svc.down = false;
    svc.failEvery = 97; // the service drops out in the middle of the replay, more than once
    for (int round = 0; round < 20 && b.state() != ResilientBackend.State.CONNECTED; round++) {
      b.probeOnce();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> b.state() != ResilientBackend.State.RECOVERING);
    }
    assertThat(b.state()).isEqualTo(ResilientBackend.State.CONNECTED);
    assertThat(svc.applied).hasSize(200).doesNotHaveDuplicates();
    for (int i = 0; i < 200; i++) {
      assertThat(svc.applied.get(i)).isEqualTo("k" + i);
    }
  }

  @Test
  void metrics_showStateAndPendingWrites() {
    FakeService svc = new FakeService();
    svc.down = true;
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    ResilientBackend<Kv> b = ResilientBackend.<Kv>builder("kvm").target("kv://x").connector(() -> {
      throw new IOException("down");
    }).probe(kv -> { }).applier((kv, r) -> kv.put(r.key(), "v")).fallback(MemoryKv::new).options(fast())
        .journalDir(tmp).scheduler(scheduler).metrics(reg, "dw.test.backend").build();
    opened.add(b);
    b.start();
    put(b, "a", "b");
    assertThat(reg.get("dw.test.backend.state").tag("backend", "kvm").gauge().value()).isEqualTo(2.0);
    assertThat(reg.get("dw.test.backend.fallback.records").gauge().value()).isEqualTo(1.0);
    assertThat(reg.get("dw.test.backend.journal.bytes").gauge().value()).isGreaterThan(0);
    assertThat(reg.get("dw.test.backend.degradations").counter().count()).isEqualTo(1.0);
  }
}
