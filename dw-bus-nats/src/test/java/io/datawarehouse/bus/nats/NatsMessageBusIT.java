package io.datawarehouse.bus.nats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.testkit.RequiresServices;
import io.datawarehouse.testkit.Services;
import io.datawarehouse.testkit.bus.MessageBusContractTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bus contract suite on the NATS server running on loopback, plus what is NATS-specific. */
@RequiresServices("nats")
class NatsMessageBusIT extends MessageBusContractTest {
  @TempDir Path tmp;

  static String url() {
    return "nats://" + Services.endpoint("nats");
  }

  @Override
  protected MessageBus createBus(int queueCapacity, Duration publishTimeout) {
    // queueCapacity is NATS's per-subscription pending limit; the contract tests that are not
    // about limits run with the default 8192, which a burst of 120k messages can outrun on a busy
    // machine, so use NATS's own default for those
    int pending = queueCapacity == 8192 ? 512 * 1024 : queueCapacity;
    return NatsMessageBus.connect(new NatsMessageBus.Settings(url(), null, null, null, "dw-test", Duration.ofSeconds(5),
        pending, 1 << 20, Duration.ofSeconds(10)));
  }

  @Override
  protected void settle(MessageBus bus) {
    ((NatsMessageBus) bus).flush(Duration.ofSeconds(10));
  }

  @Override
  protected boolean guaranteesBackpressure() {
    return false;
  }

  @Test
  void slowConsumer_losesMessagesVisibly_countedAsDropped() throws Exception {
    MessageBus bus = bus(10, Duration.ofSeconds(1));
    CountDownLatch release = new CountDownLatch(1);
    bus.subscribe(t("slow"), SubscribeOptions.defaults().withName("slowpoke"), MessageHandler.listener(m -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    settle(bus);
    for (int i = 0; i < 1000; i++) {
      bus.publish(Message.text(t("slow"), "m" + i));
    }
    settle(bus);
    try {
      Awaitility.await().atMost(LONG).until(() -> bus.statistics().dropped() > 0);
    } finally {
      release.countDown();
    }
  }

  /** A plugin that answers "who.are.you" with its kernel's name. */
  static final class NamePlugin implements Plugin {
    final String name;

    NamePlugin(String name) {
      this.name = name;
    }

    @Override
    public String id() {
      return "name";
    }

    @Override
    public void start(PluginContext ctx) {
      ctx.bus().subscribe("who.are.you." + name, m -> Message.replyTo(m).text(name).build());
    }

    @Override
    public Health health() {
      return Health.up();
    }
  }

  @Test
  void twoKernels_talkOverNats_configuredWithBusTypeNats() {
    String topicPrefix = t("k");
    try (Kernel a = Kernel.builder().plugins(List.of(new NamePlugin(topicPrefix.replace('.', '-') + "a")))
            .dataDir(tmp.resolve("a")).override("bus.type", "nats").override("bus.url", url()).build();
        Kernel b = Kernel.builder().plugins(List.of(new NamePlugin(topicPrefix.replace('.', '-') + "b")))
            .dataDir(tmp.resolve("b")).override("bus.type", "nats").override("bus.url", url()).build()) {
      a.start();
      b.start();
      ((NatsMessageBus) a.bus()).flush(Duration.ofSeconds(5));
      ((NatsMessageBus) b.bus()).flush(Duration.ofSeconds(5));
      String bName = topicPrefix.replace('.', '-') + "b";
      assertThat(a.bus().requestSync(Message.text("who.are.you." + bName, ""), LONG).text()).isEqualTo(bName);
      JsonNode h = a.bus().requestSync(Message.text(Kernel.HEALTH_TOPIC, ""), LONG).jsonTree();
      assertThat(h.get("status").asText()).isEqualTo("UP");
    }
  }
}
