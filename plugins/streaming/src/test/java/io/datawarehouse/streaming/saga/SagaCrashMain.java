package io.datawarehouse.streaming.saga;

import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child JVM of {@link SagaCrashIT}: runs the 3-step saga under {@code args[0]} (starting it
 * when the log has none) and halts the JVM (no shutdown hooks, like a kill -9) at a chosen point:
 * {@code event N} after the orchestrator's N-th durably logged event of this run, or {@code
 * answer N} right after a participant stored its N-th answer, before the orchestrator hears it.
 * {@code args[3]} names the failing step ("-" for none).
 */
public final class SagaCrashMain {
  private SagaCrashMain() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    String point = args[1];
    int n = Integer.parseInt(args[2]);
    String failing = args[3].equals("-") ? null : args[3];
    AtomicInteger events = new AtomicInteger();
    AtomicInteger answers = new AtomicInteger();
    InProcessMessageBus bus = new InProcessMessageBus();
    Runnable afterAnswer = () -> {
      if (point.equals("answer") && answers.incrementAndGet() == n) {
        halt(); // the answer is stored, the reply not sent
      }
    };
    try (SagaFixture f = new SagaFixture(bus, root, failing, point.equals("answer") ? afterAnswer : null)) {
      SagaOrchestrator o = SagaOrchestrator.open(bus, root.resolve("sagas"), Time.SYSTEM, e -> {
        if (point.equals("event") && events.incrementAndGet() == n) {
          halt();
        }
      });
      String id = o.ids().isEmpty() ? o.start(SagaFixture.definition(), Json.object().put("order", 42)) : o.ids().get(0);
      SagaStatus s = o.await(id, Duration.ofMinutes(1));
      System.out.println("settled " + (s == null ? "no" : s.state()) + " after " + f.invocations());
      o.close();
    }
    bus.close();
  }

  private static void halt() {
    System.out.println("halting");
    System.out.flush();
    Runtime.getRuntime().halt(99);
  }
}
