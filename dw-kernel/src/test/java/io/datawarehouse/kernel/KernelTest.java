package io.datawarehouse.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.ConfigDef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelTest {
  @TempDir Path tmp;
  final List<String> events = new CopyOnWriteArrayList<>();

  /** A plugin that records its lifecycle in {@link #events}. */
  class TestPlugin implements Plugin {
    final String id;
    Set<String> requires = Set.of();
    Set<String> after = Set.of();
    RuntimeException startFailure;
    CountDownLatch blockStart;
    volatile Health health = Health.up();
    volatile PluginContext context;

    TestPlugin(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public Set<String> requires() {
      return requires;
    }

    @Override
    public Set<String> startsAfter() {
      return after;
    }

    @Override
    public ConfigDef configDef() {
      return ConfigDef.builder().string("greeting", "hello", "a test key").build();
    }

    @Override
    public void start(PluginContext ctx) throws Exception {
      context = ctx;
      events.add("start " + id);
      if (blockStart != null) {
        blockStart.await();
      }
      if (startFailure != null) {
        throw startFailure;
      }
    }

    @Override
    public void stop() {
      events.add("stop " + id);
    }

    @Override
    public Health health() {
      return health;
    }
  }

  private Kernel kernel(List<? extends Plugin> plugins) {
    return Kernel.builder().plugins(plugins).dataDir(tmp.resolve("data")).build();
  }

  @Test
  void start_dependenciesFirst_stopInReverse() {
    TestPlugin a = new TestPlugin("a");
    TestPlugin b = new TestPlugin("b");
    TestPlugin c = new TestPlugin("c");
    a.requires = Set.of("b");
    c.after = Set.of("a");
    b.after = Set.of("not-installed");
    try (Kernel k = kernel(List.of(c, a, b))) {
      k.start();
      assertThat(events).containsExactly("start b", "start a", "start c");
      events.clear();
    }
    assertThat(events).containsExactly("stop c", "stop a", "stop b");
  }

  @Test
  void start_pluginThrows_isDownWithCause_dependentsDown_othersRun() {
    TestPlugin bad = new TestPlugin("bad");
    bad.startFailure = new IllegalStateException("disk on fire");
    TestPlugin dependent = new TestPlugin("dependent");
    dependent.requires = Set.of("bad");
    TestPlugin good = new TestPlugin("good");
    try (Kernel k = kernel(List.of(bad, dependent, good))) {
      k.start();
      assertThat(k.state()).isEqualTo(Kernel.State.RUNNING);
      assertThat(k.pluginState("bad")).isEqualTo(Kernel.PluginState.FAILED);
      assertThat(k.pluginState("dependent")).isEqualTo(Kernel.PluginState.FAILED);
      assertThat(k.pluginState("good")).isEqualTo(Kernel.PluginState.RUNNING);
      Health h = k.health();
      assertThat(h.status()).isEqualTo(Health.Status.DOWN);
      assertThat(h.components().get("bad").message()).contains("disk on fire");
      assertThat(h.components().get("dependent").message()).contains("requires plugin 'bad', which failed to start");
      assertThat(h.components().get("good").status()).isEqualTo(Health.Status.UP);
      assertThat(events).contains("stop bad"); // a failed start still gets stop() to release resources
    }
  }

  @Test
  void start_pluginHangs_isDownAfterStartTimeout() {
    TestPlugin slow = new TestPlugin("slow");
    slow.blockStart = new CountDownLatch(1);
    TestPlugin good = new TestPlugin("good");
    try (Kernel k = Kernel.builder().plugins(List.of(slow, good)).dataDir(tmp)
        .override("kernel.startTimeout", "200ms").build()) {
      k.start();
      assertThat(k.pluginState("slow")).isEqualTo(Kernel.PluginState.FAILED);
      assertThat(k.health().components().get("slow").message()).contains("did not start within");
      assertThat(k.pluginState("good")).isEqualTo(Kernel.PluginState.RUNNING);
    } finally {
      slow.blockStart.countDown();
    }
  }

  @Test
  void health_worstPluginWins_andSystemHealthAnswersOverTheBus() {
    TestPlugin a = new TestPlugin("a");
    TestPlugin b = new TestPlugin("b");
    b.health = Health.degraded("redis unreachable, serving from the fallback");
    try (Kernel k = kernel(List.of(a, b))) {
      k.start();
      assertThat(k.health().status()).isEqualTo(Health.Status.DEGRADED);
      JsonNode reply = k.bus().requestSync(Message.text(Kernel.HEALTH_TOPIC, ""), Duration.ofSeconds(10)).jsonTree();
      assertThat(reply.get("status").asText()).isEqualTo("DEGRADED");
      assertThat(reply.at("/plugins/b/health/message").asText()).contains("redis unreachable");
      assertThat(reply.at("/plugins/a/state").asText()).isEqualTo("RUNNING");
      b.health = Health.up();
      assertThat(k.health().status()).isEqualTo(Health.Status.UP);
    }
  }

  @Test
  void health_pluginHealthThrows_isDownNotACrash() {
    TestPlugin a = new TestPlugin("a") {
      @Override
      public Health health() {
        throw new IllegalStateException("oops");
      }
    };
    try (Kernel k = kernel(List.of(a))) {
      k.start();
      assertThat(k.health().components().get("a").status()).isEqualTo(Health.Status.DOWN);
      assertThat(k.health().components().get("a").message()).contains("oops");
    }
  }

  @Test
  void start_givesEachPluginItsSectionAndDataDirectory() throws Exception {
    TestPlugin a = new TestPlugin("a");
    Path file = tmp.resolve("dw.yaml");
    Files.writeString(file, "a:\n  greeting: bonjour\n");
    try (Kernel k = Kernel.builder().plugins(List.of(a)).configFile(file).dataDir(tmp.resolve("d")).build()) {
      k.start();
      assertThat(a.context.config().getString("greeting")).isEqualTo("bonjour");
      assertThat(a.context.dataDir()).isEqualTo(tmp.resolve("d").resolve("a").toAbsolutePath());
      assertThat(a.context.dataDir()).isDirectory();
      assertThat(a.context.metricName("writes")).isEqualTo("dw.a.writes");
    }
  }

  @Test
  void start_disabledPlugin_isNotStartedAndDoesNotCountInHealth() {
    TestPlugin a = new TestPlugin("a");
    TestPlugin b = new TestPlugin("b");
    b.health = Health.down("would be down");
    try (Kernel k = Kernel.builder().plugins(List.of(a, b)).dataDir(tmp).override("b.enabled", "false").build()) {
      k.start();
      assertThat(events).containsExactly("start a");
      assertThat(k.pluginState("b")).isEqualTo(Kernel.PluginState.DISABLED);
      assertThat(k.health().status()).isEqualTo(Health.Status.UP);
    }
  }

  @Test
  void build_duplicateIdsOrCycles_failWithAClearMessage() {
    assertThatThrownBy(() -> kernel(List.of(new TestPlugin("x"), new TestPlugin("x"))))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.getMessage()).contains("two plugins have the id 'x'"));
    TestPlugin a = new TestPlugin("a");
    TestPlugin b = new TestPlugin("b");
    a.requires = Set.of("b");
    b.after = Set.of("a");
    Kernel k = kernel(List.of(a, b));
    assertThatThrownBy(k::start).isInstanceOfSatisfying(DwException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
      assertThat(e.getMessage()).contains("cycle").contains("a -> b -> a");
    });
    k.stop();
    assertThatThrownBy(() -> kernel(List.of(new TestPlugin("Bad_Id"))))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.getMessage()).contains("invalid id 'Bad_Id'"));
  }

  @Test
  void stop_waitsForPluginsToFinishInFlightWork() throws Exception {
    AtomicInteger handled = new AtomicInteger();
    CountDownLatch inHandler = new CountDownLatch(1);
    AtomicReference<Subscription> sub = new AtomicReference<>();
    TestPlugin a = new TestPlugin("a") {
      @Override
      public void start(PluginContext ctx) throws Exception {
        super.start(ctx);
        sub.set(ctx.bus().subscribe("a.work", MessageHandler.listener(m -> {
          inHandler.countDown();
          java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
          handled.incrementAndGet();
        })));
      }

      @Override
      public void stop() {
        try {
          sub.get().drain(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        super.stop();
      }
    };
    Kernel k = kernel(List.of(a));
    k.start();
    for (int i = 0; i < 5; i++) {
      k.bus().publish(Message.text("a.work", "job"));
    }
    inHandler.await();
    k.stop();
    assertThat(handled.get()).isEqualTo(5);
    assertThat(k.state()).isEqualTo(Kernel.State.STOPPED);
    assertThatThrownBy(() -> k.bus().publish(Message.text("a.work", "late")))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    k.stop(); // idempotent
  }

  @Test
  void discover_findsPluginsThroughServiceLoader() {
    try (Kernel k = Kernel.builder().dataDir(tmp).build()) {
      assertThat(k.pluginIds()).contains("discoverable");
      k.start();
      assertThat(k.pluginState("discoverable")).isEqualTo(Kernel.PluginState.RUNNING);
    }
  }
}
