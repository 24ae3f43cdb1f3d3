package io.datawarehouse.kernel.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.testkit.bus.MessageBusContractTest;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The contract suite on the in-process bus, plus what only an in-process bus can promise. */
class InProcessMessageBusTest extends MessageBusContractTest {

  private InProcessMessageBus shared;

  @Override
  protected MessageBus createBus(int queueCapacity, Duration publishTimeout) {
    // "several buses on one fabric" in-process means one bus shared by several users
    if (shared == null || shared.isClosed() || shared.options.queueCapacity() != queueCapacity) {
      shared = new InProcessMessageBus(InProcessMessageBus.Options.defaults()
          .withQueueCapacity(queueCapacity).withPublishTimeout(publishTimeout));
    }
    return shared;
  }

  @Test
  void request_everyRecipientDeclines_noRespondersWithoutWaitingForTheTimeout() throws Exception {
    MessageBus bus = bus();
    bus.subscribe(t("tap.>"), MessageHandler.listener(m -> { }));
    bus.subscribe(t("tap.x"), MessageHandler.listener(m -> { }));
    var f = bus.request(Message.text(t("tap.x"), ""), Duration.ofHours(1));
    assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(DwException.class)
        .cause()
        .satisfies(e -> {
          assertThat(((DwException) e).code()).isEqualTo(ErrorCode.NO_RESPONDERS);
          assertThat(e.getMessage()).contains("2 subscribers received the request");
        });
    assertThat(bus.statistics().noResponders()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void publish_handlerPublishesToItsOwnFullQueue_failsInsteadOfDeadlocking() throws Exception {
    MessageBus bus = bus(2, Duration.ofSeconds(30));
    AtomicReference<Throwable> error = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicInteger n = new AtomicInteger();
    bus.subscribe(t("self"), MessageHandler.listener(m -> {
      if (n.incrementAndGet() > 1) {
        return;
      }
      try {
        for (int i = 0; i < 10; i++) {
          bus.publish(Message.text(t("self"), "again"));
        }
      } catch (Throwable e) {
        error.set(e);
      } finally {
        done.countDown();
      }
    }));
    bus.publish(Message.text(t("self"), "start"));
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(error.get()).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED));
  }

  @Test
  void queueGroup_oneMemberBusy_nextMessagesGoToTheIdleMember() throws Exception {
    MessageBus bus = bus();
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger slowGot = new AtomicInteger();
    AtomicInteger fastGot = new AtomicInteger();
    bus.subscribe(t("work"), SubscribeOptions.group("g"), MessageHandler.listener(m -> {
      slowGot.incrementAndGet();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    bus.subscribe(t("work"), SubscribeOptions.group("g"), MessageHandler.listener(m -> fastGot.incrementAndGet()));
    try {
      // until the slow member holds a message, then every next one must find the idle member
      // (plain round robin would queue every second message behind the stuck one)
      int sent = 0;
      while (slowGot.get() == 0) {
        bus.publish(Message.text(t("work"), "m" + sent++));
        int expectFast = sent - 1;
        await().atMost(Duration.ofSeconds(10)).until(() -> slowGot.get() + fastGot.get() == expectFast + 1 || slowGot.get() == 1);
      }
      int base = fastGot.get();
      for (int i = 1; i <= 20; i++) {
        bus.publish(Message.text(t("work"), "n" + i));
        int expect = base + i;
        await().atMost(Duration.ofSeconds(10)).until(() -> fastGot.get() == expect);
      }
      assertThat(slowGot.get()).isEqualTo(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void unsubscribe_withQueuedRequests_answersThemUnavailable() throws Exception {
    MessageBus bus = bus();
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch inHandler = new CountDownLatch(1);
    var sub = bus.subscribe(t("q"), SubscribeOptions.defaults(), m -> {
      inHandler.countDown();
      gate.await();
      return Message.replyTo(m).text("done").build();
    });
    var first = bus.request(Message.text(t("q"), "1"), Duration.ofMinutes(1));
    assertThat(inHandler.await(30, TimeUnit.SECONDS)).isTrue();
    var queued = bus.request(Message.text(t("q"), "2"), Duration.ofMinutes(1));
    sub.unsubscribe();
    gate.countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).text()).isEqualTo("done");
    assertThatThrownBy(() -> queued.get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThat(bus.statistics().dropped()).isEqualTo(1);
  }
}
