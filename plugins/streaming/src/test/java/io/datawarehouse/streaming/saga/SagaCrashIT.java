package io.datawarehouse.streaming.saga;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.kernel.bus.InProcessMessageBus;
import io.datawarehouse.sdk.Time;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The orchestrator of a 3-step saga is killed at every point of its run (a separate JVM halted
 * after each durably logged event, and right after each participant answered but before the
 * orchestrator heard it); a fresh orchestrator then resumes from the saga log. Each time: the saga
 * ends as an uninterrupted one would, no step ran twice, no compensation was lost, compensations
 * ran in strict reverse order.
 */
class SagaCrashIT {
  @TempDir
  Path tmp;

  static List<Arguments> points() {
    List<Arguments> a = new ArrayList<>();
    // success: STARTED, 3 x (INTENT, DONE), COMPLETED; halting after the last event proves nothing
    for (int n = 1; n <= 7; n++) {
      a.add(Arguments.of("-", "event", n));
    }
    for (int n = 1; n <= 3; n++) {
      a.add(Arguments.of("-", "answer", n));
    }
    // step c fails: STARTED, I a, D a, I b, D b, I c, F c, I b', D b', I a', D a', COMPENSATED
    for (int n = 1; n <= 11; n++) {
      a.add(Arguments.of("c", "event", n));
    }
    for (int n = 1; n <= 5; n++) {
      a.add(Arguments.of("c", "answer", n));
    }
    return a;
  }

  @ParameterizedTest(name = "failing={0} kill after {1} {2}")
  @MethodSource("points")
  void killedAtPoint_resumes_noStepTwice_noCompensationLost(String failing, String point, int n) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        SagaCrashMain.class.getName(), tmp.toString(), point, Integer.toString(n), failing)
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as("the child halted at the point:\n" + output).isEqualTo(99);

    // a new orchestrator (here, in this JVM) resumes the saga from its log
    InProcessMessageBus bus = new InProcessMessageBus();
    try (SagaFixture f = new SagaFixture(bus, tmp, failing.equals("-") ? null : failing, null);
        SagaOrchestrator o = SagaOrchestrator.open(bus, tmp.resolve("sagas"), Time.SYSTEM, null)) {
      assertThat(o.ids()).hasSize(1);
      SagaStatus s = o.await(o.ids().get(0), Duration.ofMinutes(1));
      assertThat(s).isNotNull();
      List<String> runs = f.invocations();
      if (failing.equals("-")) {
        assertThat(s.state()).isEqualTo("COMPLETED");
        assertThat(runs).containsExactly("a:execute", "b:execute", "c:execute");
      } else {
        assertThat(s.state()).isEqualTo("COMPENSATED");
        assertThat(runs).containsExactly("a:execute", "b:execute", "c:execute", "b:compensate", "a:compensate");
      }
    } finally {
      bus.close();
    }
    assertThat(Files.exists(tmp.resolve("sagas"))).isTrue();
  }
}
