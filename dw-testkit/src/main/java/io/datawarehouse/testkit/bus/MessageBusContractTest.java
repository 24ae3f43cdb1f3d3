package io.datawarehouse.testkit.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.BusStatistics;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.sdk.bus.Subscription;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bus contract of ARCHITECTURE.md as a test suite. Every {@link MessageBus} implementation
 * extends it and supplies a factory; both the in-process bus and the NATS bus must pass it
 * unchanged.
 *
 * <p>Topics are prefixed with a per-test random token ({@link #t}) so implementations backed by a
 * shared server do not see each other's traffic.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class MessageBusContractTest {

  /** Far longer than any test needs: a test that waits this long has failed anyway. */
  protected static final Duration LONG = Duration.ofSeconds(30);

  private final List<MessageBus> buses = new CopyOnWriteArrayList<>();
  private final String prefix = "ct" + Long.toString(System.nanoTime() & 0xFFFFFFFFL, 36);

  /**
   * A new bus. Each call must return a bus connected to the same fabric as the others (for a
   * networked bus, the same server), so messages cross between them.
   *
   * @param queueCapacity the default subscription queue capacity
   * @param publishTimeout how long a publisher waits for room in a full queue
   */
  protected abstract MessageBus createBus(int queueCapacity, Duration publishTimeout);

  /** The payload limit of buses created by {@link #createBus}. */
  protected int maxPayload() {
    return 1 << 20;
  }

  protected final MessageBus bus() {
    return bus(8192, Duration.ofSeconds(10));
  }

  protected final MessageBus bus(int queueCapacity, Duration publishTimeout) {
    MessageBus b = createBus(queueCapacity, publishTimeout);
    buses.add(b);
    return b;
  }

  /** A topic unique to this test run. */
  protected final String t(String topic) {
    return prefix + "." + topic;
  }

  @AfterEach
  void closeBuses() {
    for (MessageBus b : buses) {
      b.close();
    }
  }

  /**
   * Whether a full subscriber queue makes publishers wait (in-process) rather than losing messages
   * with a report (a networked, at-most-once bus such as NATS core). The backpressure tests run
   * only when it does; a bus that returns false must test instead that losses are counted.
   */
  protected boolean guaranteesBackpressure() {
    return true;
  }

  /** Waits until the subscription is visible to publishers (immediate in-process; a round trip on a server). */
  protected void settle(MessageBus bus) {
    // An in-process bus routes a subscription as soon as subscribe() returns. Networked buses
    // override this to flush their connection.
  }

  private static byte[] seq(int publisher, int n) {
    return ByteBuffer.allocate(8).putInt(publisher).putInt(n).array();
  }

  // ---------------------------------------------------------------- publish and wildcards

  @Test
  void publish_exactTopic_deliversPayloadAndHeaders() throws Exception {
    MessageBus bus = bus();
    AtomicReference<Message> got = new AtomicReference<>();
    CountDownLatch latch = new CountDownLatch(1);
    bus.subscribe(t("orders.created"), MessageHandler.listener(m -> {
      got.set(m);
      latch.countDown();
    }));
    settle(bus);
    Message sent = Message.builder(t("orders.created")).text("hello").traceId("trace-1").header("x-tenant", "acme").build();
    bus.publish(sent);
    assertThat(latch.await(LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
    Message m = got.get();
    assertThat(m.topic()).isEqualTo(t("orders.created"));
    assertThat(m.text()).isEqualTo("hello");
    assertThat(m.id()).isEqualTo(sent.id());
    assertThat(m.traceId()).isEqualTo("trace-1");
    assertThat(m.header("x-tenant")).isEqualTo("acme");
    assertThat(m.contentType()).isEqualTo(Message.TEXT);
    assertThat(m.isRequest()).isFalse();
  }

  @Test
  void publish_wildcards_matchOneTokenOrTheRest() throws Exception {
    MessageBus bus = bus();
    Map<String, List<String>> seen = new ConcurrentHashMap<>();
    for (String p : List.of("a.*", "a.>", "a.*.c", ">", "a.b", "*.b.>")) {
      seen.put(p, new CopyOnWriteArrayList<>());
      bus.subscribe(t(p), MessageHandler.listener(m -> seen.get(p).add(m.topic().substring(prefix.length() + 1))));
    }
    settle(bus);
    for (String topic : List.of("a", "a.b", "a.b.c", "a.x.c", "b.b.c", "a.b.c.d")) {
      bus.publish(Message.text(t(topic), topic));
    }
    Awaitility.await().atMost(LONG).untilAsserted(() -> assertThat(seen.get(">")).hasSize(6));
    Awaitility.await().atMost(LONG).untilAsserted(() -> {
      assertThat(seen.get("a.*")).containsExactly("a.b");
      assertThat(seen.get("a.>")).containsExactly("a.b", "a.b.c", "a.x.c", "a.b.c.d");
      assertThat(seen.get("a.*.c")).containsExactly("a.b.c", "a.x.c");
      assertThat(seen.get("a.b")).containsExactly("a.b");
      assertThat(seen.get("*.b.>")).containsExactly("a.b.c", "b.b.c", "a.b.c.d");
    });
  }

  @Test
  void publish_oneSubscriber_receivesInPublishOrder() throws Exception {
    MessageBus bus = bus();
    int n = 100_000;
    List<Integer> got = Collections.synchronizedList(new ArrayList<>(n));
    CountDownLatch done = new CountDownLatch(n);
    bus.subscribe(t("seq"), MessageHandler.listener(m -> {
      got.add(ByteBuffer.wrap(m.payload()).getInt(4));
      done.countDown();
    }));
    settle(bus);
    for (int i = 0; i < n; i++) {
      bus.publish(Message.of(t("seq"), seq(0, i)));
    }
    assertThat(done.await(LONG.toSeconds() * 2, TimeUnit.SECONDS)).as("all %d delivered", n).isTrue();
    for (int i = 0; i < n; i++) {
      if (got.get(i) != i) {
        fail("message %d arrived at position %d", got.get(i), i);
      }
    }
  }

  @Test
  void publish_fourConcurrentPublishers_eachMessageExactlyOncePerSubscriberInPublisherOrder() throws Exception {
    MessageBus bus = bus();
    int publishers = 4;
    int perPublisher = 30_000;
    int subscribers = 2;
    List<Map<Integer, List<Integer>>> received = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(publishers * perPublisher * subscribers);
    for (int s = 0; s < subscribers; s++) {
      Map<Integer, List<Integer>> byPublisher = new ConcurrentHashMap<>();
      received.add(byPublisher);
      bus.subscribe(t("load.>"), MessageHandler.listener(m -> {
        ByteBuffer b = ByteBuffer.wrap(m.payload());
        byPublisher.computeIfAbsent(b.getInt(0), k -> Collections.synchronizedList(new ArrayList<>())).add(b.getInt(4));
        done.countDown();
      }));
    }
    settle(bus);
    List<Thread> threads = new ArrayList<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    for (int p = 0; p < publishers; p++) {
      int id = p;
      threads.add(Thread.ofPlatform().name("publisher-" + p).start(() -> {
        try {
          for (int i = 0; i < perPublisher; i++) {
            bus.publish(Message.of(t("load.p" + id), seq(id, i)));
          }
        } catch (Throwable e) {
          error.set(e);
        }
      }));
    }
    for (Thread th : threads) {
      th.join();
    }
    assertThat(error.get()).isNull();
    assertThat(done.await(LONG.toSeconds() * 2, TimeUnit.SECONDS)).as("every message delivered to every subscriber").isTrue();
    for (Map<Integer, List<Integer>> byPublisher : received) {
      for (int p = 0; p < publishers; p++) {
        List<Integer> seqs = byPublisher.get(p);
        assertThat(seqs).as("publisher %d", p).hasSize(perPublisher);
        for (int i = 0; i < perPublisher; i++) {
          if (seqs.get(i) != i) {
            fail("publisher %d: message %d arrived at position %d (duplicate, loss or reordering)", p, seqs.get(i), i);
          }
        }
      }
    }
  }

  @Test
  void publish_slowSubscriberSmallQueue_backpressureLosesNothing() throws Exception {
    Assumptions.assumeTrue(guaranteesBackpressure(), "this bus does not make publishers wait");
    MessageBus bus = bus(16, Duration.ofSeconds(30));
    int n = 3_000;
    Set<Integer> got = ConcurrentHashMap.newKeySet();
    AtomicInteger count = new AtomicInteger();
    bus.subscribe(t("slow"), MessageHandler.listener(m -> {
      if (count.incrementAndGet() % 100 == 0) {
        LockSupport.parkNanos(2_000_000); // a slow handler, so the queue fills and the publisher must wait
      }
      got.add(ByteBuffer.wrap(m.payload()).getInt(4));
    }));
    settle(bus);
    for (int i = 0; i < n; i++) {
      bus.publish(Message.of(t("slow"), seq(0, i)));
    }
    Awaitility.await().atMost(LONG).until(() -> count.get() >= n);
    assertThat(count.get()).isEqualTo(n);
    assertThat(got).hasSize(n);
  }

  @Test
  void publish_queueStaysFull_failsWithResourceExhaustedNamingTheSubscriber() throws Exception {
    Assumptions.assumeTrue(guaranteesBackpressure(), "this bus does not make publishers wait");
    MessageBus bus = bus(4, Duration.ofMillis(200));
    CountDownLatch release = new CountDownLatch(1);
    bus.subscribe(t("stuck"), SubscribeOptions.defaults().withName("stuck-handler"), MessageHandler.listener(m -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    settle(bus);
    try {
      assertThatThrownBy(() -> {
        for (int i = 0; i < 1_000; i++) {
          bus.publish(Message.text(t("stuck"), "m" + i));
        }
      }).isInstanceOfSatisfying(DwException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
        assertThat(e.getMessage()).contains("stuck-handler");
      });
    } finally {
      release.countDown();
    }
  }

  // ---------------------------------------------------------------- request / reply

  @Test
  void request_oneResponder_returnsItsReplyCorrelatedToTheRequest() throws Exception {
    MessageBus bus = bus();
    bus.subscribe(t("echo"), m -> Message.replyTo(m).text("echo:" + m.text()).build());
    settle(bus);
    Message req = Message.text(t("echo"), "ping");
    Message reply = bus.request(req, LONG).get(LONG.toSeconds(), TimeUnit.SECONDS);
    assertThat(reply.text()).isEqualTo("echo:ping");
    assertThat(reply.correlationId()).isEqualTo(req.id());
  }

  @Test
  void request_handlerSeesARequest_onAVirtualThread() throws Exception {
    MessageBus bus = bus();
    bus.subscribe(t("who"), m -> Message.replyTo(m)
        .text(m.isRequest() + "," + Thread.currentThread().isVirtual()).build());
    settle(bus);
    assertThat(bus.requestSync(Message.text(t("who"), ""), LONG).text()).isEqualTo("true,true");
  }

  @Test
  void request_json_roundTripsTypedBodies() {
    MessageBus bus = bus();
    bus.subscribe(t("add"), MessageHandler.json(AddRequest.class, r -> new AddReply(r.a() + r.b())));
    settle(bus);
    assertThat(bus.requestJson(t("add"), new AddRequest(2, 40), AddReply.class, LONG).sum()).isEqualTo(42);
  }

  /** A request body for {@link #request_json_roundTripsTypedBodies}. */
  public record AddRequest(int a, int b) {}

  /** A reply body for {@link #request_json_roundTripsTypedBodies}. */
  public record AddReply(int sum) {}

  @Test
  void request_badJsonBody_isInvalidArgumentNamingTheField() {
    MessageBus bus = bus();
    bus.subscribe(t("add2"), MessageHandler.json(AddRequest.class, r -> new AddReply(r.a() + r.b())));
    settle(bus);
    assertThatThrownBy(() -> bus.requestSync(Message.json(t("add2"), Map.of("a", 1, "b", 1, "c", 2)), LONG))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("unknown field 'c'");
        });
    assertThatThrownBy(() -> bus.requestSync(Message.json(t("add2"), Map.of("a", 1)), LONG))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("field 'b'");
        });
  }

  @Test
  void request_noSubscriber_failsAtOnceWithNoResponders() throws Exception {
    MessageBus bus = bus();
    long start = System.nanoTime();
    var future = bus.request(Message.text(t("nobody.home"), "?"), Duration.ofMinutes(5));
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> future.get(LONG.toSeconds(), TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOfSatisfying(DwException.class, dw -> assertThat(dw.code()).isEqualTo(ErrorCode.NO_RESPONDERS));
    // it completed long before the 5-minute timeout: a NO_RESPONDERS, not a TIMEOUT
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(1));
  }

  @Test
  void request_onlyPassiveListeners_failsWithNoResponders() throws Exception {
    MessageBus bus = bus();
    AtomicInteger heard = new AtomicInteger();
    bus.subscribe(t("quiet.>"), MessageHandler.listener(m -> heard.incrementAndGet()));
    settle(bus);
    assertThatThrownBy(() -> bus.requestSync(Message.text(t("quiet.x"), "?"), Duration.ofSeconds(3)))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isIn(ErrorCode.NO_RESPONDERS, ErrorCode.TIMEOUT));
    assertThat(heard.get()).isEqualTo(1);
  }

  @Test
  void request_listenerAndResponder_responderAnswers() {
    MessageBus bus = bus();
    AtomicInteger tapped = new AtomicInteger();
    bus.subscribe(t("svc.>"), MessageHandler.listener(m -> tapped.incrementAndGet()));
    bus.subscribe(t("svc.get"), m -> Message.replyTo(m).text("ok").build());
    settle(bus);
    assertThat(bus.requestSync(Message.text(t("svc.get"), ""), LONG).text()).isEqualTo("ok");
    Awaitility.await().atMost(LONG).until(() -> tapped.get() == 1);
  }

  @Test
  void request_noReplyInTime_failsWithTimeout() {
    MessageBus bus = bus();
    CountDownLatch release = new CountDownLatch(1);
    bus.subscribe(t("slowpoke"), m -> {
      release.await();
      return Message.replyTo(m).text("late").build();
    });
    settle(bus);
    try {
      assertThatThrownBy(() -> bus.requestSync(Message.text(t("slowpoke"), ""), Duration.ofMillis(300)))
          .isInstanceOfSatisfying(DwException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
            assertThat(e.isRetriable()).isTrue();
          });
    } finally {
      release.countDown();
    }
  }

  @Test
  void request_responderThrowsDwException_errorReplyKeepsCodeAndMessage() {
    MessageBus bus = bus();
    bus.subscribe(t("find"), m -> {
      throw DwException.notFound("no object 'x' in store 'main'");
    });
    settle(bus);
    assertThatThrownBy(() -> bus.requestSync(Message.text(t("find"), "x"), LONG))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
          assertThat(e.getMessage()).contains("no object 'x' in store 'main'");
        });
  }

  @Test
  void request_responderThrowsRuntimeException_errorReplyIsInternal() {
    MessageBus bus = bus();
    bus.subscribe(t("boom"), m -> {
      throw new IllegalStateException("kaput");
    });
    settle(bus);
    assertThatThrownBy(() -> bus.requestSync(Message.text(t("boom"), ""), LONG))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
          assertThat(e.getMessage()).contains("kaput");
        });
  }

  @Test
  void request_acrossTwoBuses_isAnswered() {
    MessageBus a = bus();
    MessageBus b = bus();
    b.subscribe(t("remote"), m -> Message.replyTo(m).text("from b").build());
    settle(b);
    settle(a);
    assertThat(a.requestSync(Message.text(t("remote"), ""), LONG).text()).isEqualTo("from b");
  }

  // ---------------------------------------------------------------- queue groups

  @Test
  void queueGroup_eachMessageGoesToExactlyOneMember_andLoadIsShared() throws Exception {
    MessageBus bus = bus();
    int members = 3;
    int n = 3_000;
    List<Set<Integer>> got = new ArrayList<>();
    AtomicInteger total = new AtomicInteger();
    for (int i = 0; i < members; i++) {
      Set<Integer> mine = ConcurrentHashMap.newKeySet();
      got.add(mine);
      bus.subscribe(t("work"), SubscribeOptions.group("workers"), MessageHandler.listener(m -> {
        mine.add(ByteBuffer.wrap(m.payload()).getInt(4));
        total.incrementAndGet();
      }));
    }
    AtomicInteger plain = new AtomicInteger();
    bus.subscribe(t("work"), MessageHandler.listener(m -> plain.incrementAndGet()));
    settle(bus);
    for (int i = 0; i < n; i++) {
      bus.publish(Message.of(t("work"), seq(0, i)));
    }
    Awaitility.await().atMost(LONG).until(() -> total.get() >= n && plain.get() >= n);
    assertThat(total.get()).as("each message handled once by the group").isEqualTo(n);
    assertThat(plain.get()).as("a plain subscriber still gets every message").isEqualTo(n);
    Set<Integer> union = ConcurrentHashMap.newKeySet();
    for (Set<Integer> s : got) {
      assertThat(s).as("every member shares the load").isNotEmpty();
      assertThat(s.size()).isGreaterThan(n / members / 4);
      union.addAll(s);
    }
    assertThat(union).hasSize(n);
  }

  @Test
  void queueGroup_request_answeredByExactlyOneMember() throws Exception {
    MessageBus bus = bus();
    AtomicInteger calls = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      int id = i;
      bus.subscribe(t("svc"), SubscribeOptions.group("svc"), m -> {
        calls.incrementAndGet();
        return Message.replyTo(m).text("member-" + id).build();
      });
    }
    settle(bus);
    for (int i = 0; i < 30; i++) {
      assertThat(bus.requestSync(Message.text(t("svc"), ""), LONG).text()).startsWith("member-");
    }
    assertThat(calls.get()).isEqualTo(30);
  }

  // ---------------------------------------------------------------- unsubscribe, drain, limits

  @Test
  void unsubscribe_stopsDelivery() throws Exception {
    MessageBus bus = bus();
    AtomicInteger count = new AtomicInteger();
    Subscription sub = bus.subscribe(t("u"), MessageHandler.listener(m -> count.incrementAndGet()));
    settle(bus);
    bus.publish(Message.text(t("u"), "1"));
    Awaitility.await().atMost(LONG).until(() -> count.get() == 1);
    sub.unsubscribe();
    assertThat(sub.isActive()).isFalse();
    settle(bus);
    for (int i = 0; i < 100; i++) {
      bus.publish(Message.text(t("u"), "after"));
    }
    // a round trip on another subscription proves the publishes above were processed
    bus.subscribe(t("u2"), m -> Message.replyTo(m).text("ok").build());
    settle(bus);
    bus.requestSync(Message.text(t("u2"), ""), LONG);
    assertThat(count.get()).isEqualTo(1);
    assertThatThrownBy(() -> bus.requestSync(Message.text(t("u"), ""), Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isIn(ErrorCode.NO_RESPONDERS, ErrorCode.TIMEOUT));
  }

  @Test
  void drain_handlesQueuedMessagesThenStops() throws Exception {
    MessageBus bus = bus();
    AtomicLong handled = new AtomicLong();
    CountDownLatch gate = new CountDownLatch(1);
    Subscription sub = bus.subscribe(t("d"), MessageHandler.listener(m -> {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      handled.incrementAndGet();
    }));
    settle(bus);
    for (int i = 0; i < 50; i++) {
      bus.publish(Message.text(t("d"), "m"));
    }
    Awaitility.await().atMost(LONG).until(() -> sub.pending() >= 49 || handled.get() > 0);
    Thread opener = Thread.ofVirtual().start(() -> {
      // open the gate only once draining has begun, so queued messages must be drained
      Awaitility.await().atMost(LONG).until(() -> !sub.isActive());
      gate.countDown();
    });
    assertThat(sub.drain(LONG)).isTrue();
    opener.join();
    assertThat(handled.get()).isEqualTo(50);
    assertThat(sub.isActive()).isFalse();
  }

  @Test
  void publish_payloadOverLimit_isInvalidArgument() {
    MessageBus bus = bus();
    assertThatThrownBy(() -> bus.publish(Message.of(t("big"), new byte[maxPayload() + 1])))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("reference");
        });
    bus.publish(Message.of(t("big"), new byte[Math.min(maxPayload(), 512 * 1024)]));
  }

  @Test
  void subscribe_invalidPattern_isInvalidArgument() {
    MessageBus bus = bus();
    for (String bad : List.of("", "a..b", ".a", "a.", "a.>.b", "a.b*", "a b")) {
      assertThatThrownBy(() -> bus.subscribe(bad, MessageHandler.listener(m -> { })))
          .as("pattern '%s'", bad)
          .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }

  @Test
  void publish_wildcardTopic_isInvalidArgument() {
    MessageBus bus = bus();
    assertThatThrownBy(() -> bus.publish(Message.text("a.*", "x"))).isInstanceOf(DwException.class);
  }

  @Test
  void handlerFailure_onPublish_isCountedAndOtherMessagesStillFlow() {
    MessageBus bus = bus();
    AtomicInteger ok = new AtomicInteger();
    bus.subscribe(t("flaky"), MessageHandler.listener(m -> {
      if (m.text().equals("bad")) {
        throw new IllegalArgumentException("bad message");
      }
      ok.incrementAndGet();
    }));
    settle(bus);
    bus.publish(Message.text(t("flaky"), "good"));
    bus.publish(Message.text(t("flaky"), "bad"));
    bus.publish(Message.text(t("flaky"), "good"));
    Awaitility.await().atMost(LONG).until(() -> ok.get() == 2);
    Awaitility.await().atMost(LONG).untilAsserted(() -> {
      BusStatistics s = bus.statistics();
      assertThat(s.failed()).isGreaterThanOrEqualTo(1);
      assertThat(s.topics().get(t("flaky"))).isNotNull();
      assertThat(s.topics().get(t("flaky")).failed()).isEqualTo(1);
    });
  }

  @Test
  void statistics_countPublishedDeliveredAndRequests() throws Exception {
    MessageBus bus = bus();
    CountDownLatch latch = new CountDownLatch(10);
    bus.subscribe(t("stats"), MessageHandler.listener(m -> latch.countDown()));
    bus.subscribe(t("stats.rpc"), m -> Message.replyTo(m).text("r").build());
    settle(bus);
    for (int i = 0; i < 10; i++) {
      bus.publish(Message.text(t("stats"), "x"));
    }
    bus.requestSync(Message.text(t("stats.rpc"), ""), LONG);
    assertThat(latch.await(LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
    Awaitility.await().atMost(LONG).untilAsserted(() -> {
      BusStatistics s = bus.statistics();
      assertThat(s.published()).isGreaterThanOrEqualTo(11);
      assertThat(s.delivered()).isGreaterThanOrEqualTo(11);
      assertThat(s.requests()).isGreaterThanOrEqualTo(1);
      assertThat(s.subscriptions()).isGreaterThanOrEqualTo(2);
      assertThat(s.topics().get(t("stats")).published()).isEqualTo(10);
      assertThat(s.topics().get(t("stats")).delivered()).isEqualTo(10);
    });
  }

  @Test
  void close_thenPublish_isUnavailable() {
    MessageBus bus = createBus(16, Duration.ofSeconds(1));
    bus.close();
    assertThatThrownBy(() -> bus.publish(Message.text(t("closed"), "x")))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
  }
}
