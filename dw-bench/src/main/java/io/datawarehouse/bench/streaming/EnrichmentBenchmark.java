package io.datawarehouse.bench.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.streaming.Pipeline;
import io.datawarehouse.streaming.RunOptions;
import io.datawarehouse.streaming.RunningPipeline;
import io.datawarehouse.streaming.Sink;
import io.datawarehouse.streaming.WatermarkStrategy;
import io.datawarehouse.streaming.enrich.BusLookups;
import io.datawarehouse.streaming.enrich.Enrichment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Enrichment throughput against a responder that answers in 1 ms over the in-process bus
 * ({@code storage.query}, served by {@code capacity} responders in one queue group), beside a
 * baseline in the same run: the same requests sent straight to the bus with at most {@code
 * capacity} in flight (a semaphore), no pipeline. The ideal is {@code capacity / 1 ms}; the goal
 * is >= 0.9 of it.
 *
 * <p>Score: records per second (one invocation = {@value #RECORDS} records).
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar EnrichmentBenchmark -f 1 -wi 2 -i 3}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class EnrichmentBenchmark {
  static final int RECORDS = 20_000;

  @Param({"16", "64"})
  public int capacity;

  @Param({"true", "false"})
  public boolean ordered;

  private InProcessMessageBus bus;
  private final List<Subscription> responders = new ArrayList<>();
  private List<Integer> records;
  private final LongAdder served = new LongAdder();
  private final LongAdder servedNanos = new LongAdder();

  @Setup(Level.Trial)
  public void setup() {
    bus = new InProcessMessageBus();
    for (int i = 0; i < capacity; i++) {
      responders.add(bus.subscribe("storage.query", SubscribeOptions.group("db"), m -> {
        long t0 = System.nanoTime();
        Thread.sleep(1);
        served.increment();
        servedNanos.add(System.nanoTime() - t0);
        return Message.replyTo(m).json(Map.of("tier", "gold")).build();
      }));
    }
    records = new ArrayList<>();
    for (int i = 0; i < RECORDS; i++) {
      records.add(i);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    // what "answers in 1 ms" really took here: the ideal is capacity / this, not capacity / 1 ms
    long n = served.sum();
    if (n > 0) {
      double ms = servedNanos.sum() / 1e6 / n;
      System.out.printf("%nresponder time: %.3f ms mean over %d requests; ideal at capacity %d: %.0f records/s%n", ms, n, capacity,
          capacity * 1000 / ms);
    }
    responders.forEach(Subscription::unsubscribe);
    bus.close();
  }

  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void pipeline(Blackhole bh) throws InterruptedException {
    Pipeline.Builder b = Pipeline.builder("enrich-bench");
    b.source(io.datawarehouse.streaming.Sources.of(records), WatermarkStrategy.<Integer>inOrder(i -> i))
        .enrich(Enrichment.of(BusLookups.storageQuery(bus, "crm", "select tier from customers where id = ?", (Integer i) -> List.of(i)),
                (Integer i, JsonNode row) -> row)
            .capacity(capacity).ordered(ordered).breaker(null))
        .to((Sink<JsonNode>) (v, ts) -> bh.consume(v));
    RunningPipeline r = b.build().start(RunOptions.defaults());
    if (!r.await(Duration.ofMinutes(5)) || r.state() != RunningPipeline.State.FINISHED) {
      throw new IllegalStateException("the pipeline did not finish: " + r.state(), r.failure());
    }
  }

  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void baseline_boundedRequests(Blackhole bh) throws InterruptedException {
    Semaphore permits = new Semaphore(capacity);
    List<CompletableFuture<Message>> all = new ArrayList<>(RECORDS);
    for (Integer i : records) {
      permits.acquire();
      CompletableFuture<Message> f = bus.request(Message.json("storage.query",
          Map.of("source", "crm", "sql", "select tier from customers where id = ?", "params", List.of(i))), Duration.ofSeconds(30));
      f.whenComplete((m, t) -> permits.release());
      all.add(f);
    }
    for (CompletableFuture<Message> f : all) {
      bh.consume(f.join().jsonTree());
    }
  }
}
