package io.datawarehouse.bench.bus;

import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-process bus beside a plain {@code java.util.concurrent} hand-off of the same objects in
 * the same run. Each invocation publishes {@value #BATCH} prepared messages and waits until every
 * subscriber has handled them all, so the score is messages delivered per second end to end.
 *
 * <ul>
 *   <li>{@code bus_publishDeliver_1sub} vs {@code baseline_queueHandoff_1consumer}: one publisher,
 *       one subscriber.
 *   <li>{@code bus_publishDeliver_4subsWildcard} vs {@code baseline_queueHandoff_4consumers}: four
 *       subscribers on {@code bench.>} (score: publishes per second; deliveries are 4x).
 *   <li>{@code bus_requestReply_window64} vs {@code baseline_requestReply_window64}: round trips per
 *       second with 64 requests in flight; {@code bus_requestReply_sync}: one at a time.
 * </ul>
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar BusBenchmark -f 1 -wi 3 -i 5 -r 2s}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class BusBenchmark {
  static final int BATCH = 20_000;
  static final int WINDOW = 64;

  private Message[] messages;
  private InProcessMessageBus bus;
  private volatile CountDownLatch latch;
  private final List<Thread> consumers = new ArrayList<>();
  private final List<BlockingQueue<Object>> queues = new ArrayList<>();
  private static final Object STOP = new Object();

  @Setup(Level.Trial)
  public void setup() {
    messages = new Message[BATCH];
    for (int i = 0; i < BATCH; i++) {
      messages[i] = Message.of("bench.x.y", new byte[64]);
    }
    bus = new InProcessMessageBus(InProcessMessageBus.Options.defaults().withQueueCapacity(8192));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    bus.close();
    for (BlockingQueue<Object> q : queues) {
      q.put(STOP);
    }
    for (Thread t : consumers) {
      t.join();
    }
  }

  // ------------------------------------------------------------ one subscriber

  /** State for the single-subscriber bus benchmark. */
  @State(Scope.Benchmark)
  public static class OneSub {
    BusBenchmark b;

    @Setup(Level.Trial)
    public void setup(BusBenchmark outer) {
      b = outer;
      outer.bus.subscribe("bench.x.y", MessageHandler.listener(m -> outer.latch.countDown()));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void bus_publishDeliver_1sub(OneSub s) throws InterruptedException {
    latch = new CountDownLatch(BATCH);
    for (Message m : messages) {
      bus.publish(m);
    }
    latch.await();
  }

  /** State for the single-consumer queue baseline. */
  @State(Scope.Benchmark)
  public static class OneConsumer {
    @Setup(Level.Trial)
    public void setup(BusBenchmark outer) {
      outer.startConsumers(1);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void baseline_queueHandoff_1consumer(OneConsumer s) throws InterruptedException {
    latch = new CountDownLatch(BATCH);
    BlockingQueue<Object> q = queues.get(0);
    for (Message m : messages) {
      q.put(m);
    }
    latch.await();
  }

  // ------------------------------------------------------------ four subscribers on a wildcard

  /** State for the wildcard fan-out bus benchmark. */
  @State(Scope.Benchmark)
  public static class FourSubs {
    @Setup(Level.Trial)
    public void setup(BusBenchmark outer) {
      for (int i = 0; i < 4; i++) {
        outer.bus.subscribe("bench.>", MessageHandler.listener(m -> outer.latch.countDown()));
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void bus_publishDeliver_4subsWildcard(FourSubs s) throws InterruptedException {
    latch = new CountDownLatch(BATCH * 4);
    for (Message m : messages) {
      bus.publish(m);
    }
    latch.await();
  }

  /** State for the four-consumer queue baseline. */
  @State(Scope.Benchmark)
  public static class FourConsumers {
    @Setup(Level.Trial)
    public void setup(BusBenchmark outer) {
      outer.startConsumers(4);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void baseline_queueHandoff_4consumers(FourConsumers s) throws InterruptedException {
    latch = new CountDownLatch(BATCH * 4);
    for (Message m : messages) {
      for (int i = 0; i < 4; i++) {
        queues.get(i).put(m);
      }
    }
    latch.await();
  }

  private void startConsumers(int n) {
    for (int i = 0; i < n; i++) {
      BlockingQueue<Object> q = new LinkedBlockingQueue<>(8192);
      queues.add(q);
      Thread t = Thread.ofPlatform().name("baseline-consumer-" + i).daemon().start(() -> {
        try {
          while (true) {
            Object o = q.take();
            if (o == STOP) {
              return;
            }
            latch.countDown();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      consumers.add(t);
    }
  }

  // ------------------------------------------------------------ request / reply

  /** State for the request/reply bus benchmarks. */
  @State(Scope.Benchmark)
  public static class Responder {
    Message request;

    @Setup(Level.Trial)
    public void setup(BusBenchmark outer) {
      outer.bus.subscribe("bench.rpc", m -> Message.replyTo(m).payload(m.payload()).build());
      request = Message.of("bench.rpc", new byte[64]);
    }
  }

  @Benchmark
  @OperationsPerInvocation(WINDOW)
  public void bus_requestReply_window64(Responder r) throws Exception {
    @SuppressWarnings({"unchecked", "rawtypes"})
    CompletableFuture<Message>[] fs = new CompletableFuture[WINDOW];
    for (int i = 0; i < WINDOW; i++) {
      fs[i] = bus.request(r.request, Duration.ofSeconds(30));
    }
    for (CompletableFuture<Message> f : fs) {
      f.get();
    }
  }

  @Benchmark
  public Message bus_requestReply_sync(Responder r) {
    return bus.requestSync(r.request, Duration.ofSeconds(30));
  }

  /** A request/reply server on a plain queue: each request carries its future. */
  @State(Scope.Benchmark)
  public static class QueueServer {
    record Req(Message m, CompletableFuture<Message> reply) {}

    final BlockingQueue<Object> q = new LinkedBlockingQueue<>(8192);
    Thread server;
    Message request;

    @Setup(Level.Trial)
    public void setup() {
      request = Message.of("bench.rpc", new byte[64]);
      server = Thread.ofPlatform().name("baseline-server").daemon().start(() -> {
        try {
          while (true) {
            Object o = q.take();
            if (o == STOP) {
              return;
            }
            Req r = (Req) o;
            r.reply().complete(Message.replyTo(r.m()).payload(r.m().payload()).build());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      q.put(STOP);
      server.join();
    }
  }

  @Benchmark
  @OperationsPerInvocation(WINDOW)
  public void baseline_requestReply_window64(QueueServer s) throws Exception {
    @SuppressWarnings({"unchecked", "rawtypes"})
    CompletableFuture<Message>[] fs = new CompletableFuture[WINDOW];
    for (int i = 0; i < WINDOW; i++) {
      fs[i] = new CompletableFuture<>();
      s.q.put(new QueueServer.Req(s.request, fs[i]));
    }
    for (CompletableFuture<Message> f : fs) {
      f.get();
    }
  }
}
