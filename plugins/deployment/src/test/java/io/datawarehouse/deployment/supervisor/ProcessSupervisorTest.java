package io.datawarehouse.deployment.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.deployment.InstanceCommand;
import io.datawarehouse.deployment.InstanceEvent;
import io.datawarehouse.deployment.InstanceHealth;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Time;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor with real child processes (small shell commands and the test service). */
class ProcessSupervisorTest {
  @TempDir
  Path tmp;

  private ProcessSupervisor sup;
  private final List<InstanceEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    if (sup != null) {
      sup.close();
    }
  }

  private ProcessSupervisor supervisor(Duration stopTimeout) {
    return supervisor(new ProcessSupervisor.Options(stopTimeout, Duration.ofSeconds(1)));
  }

  private ProcessSupervisor supervisor(ProcessSupervisor.Options options) {
    sup = new ProcessSupervisor(tmp.resolve("logs"), Time.SYSTEM, options, events::add);
    return sup;
  }

  /** Fast restarts: 2 within 30 s, backoff 100 ms doubling. */
  private static ProcessSupervisor.Options fastRestarts(int maxRestarts) {
    return new ProcessSupervisor.Options(Duration.ofSeconds(2), Duration.ofSeconds(1)).withRestarts(maxRestarts,
        Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(1));
  }

  private List<String> eventTypes(String instance) {
    return events.stream().filter(e -> e.instance().equals(instance)).map(InstanceEvent::type).toList();
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Test
  void killedInstance_isRestartedPromptly_withItsCommand_andCounted() {
    ProcessSupervisor s = supervisor(fastRestarts(2));
    long pid = s.apply(new InstanceCommand("k", "v1", "start", List.of("sleep", "60"), null, null)).pid();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL from outside: a crash
    await().atMost(Duration.ofSeconds(10)).until(() -> eventTypes("k").contains("instance-restarted"));
    InstanceHealth h = s.health("k");
    assertThat(h.state()).isEqualTo("READY"); // no probe: alive is ready
    assertThat(h.pid()).isNotNull().isNotEqualTo(pid);
    assertThat(h.restarts()).isEqualTo(1);
    assertThat(h.version()).isEqualTo("v1");
    InstanceEvent crash = events.get(0);
    assertThat(crash.type()).isEqualTo("instance-crashed");
    assertThat(crash.pid()).isEqualTo(pid);
    assertThat(crash.exitCode()).isEqualTo(137); // 128 + SIGKILL
    assertThat(crash.backoffMillis()).isEqualTo(100);
    assertThat(crash.lastLog()).anyMatch(l -> l.contains("start k at version v1"));
    assertThat(events.get(1).pid()).isEqualTo(h.pid());
    assertThat(events.get(1).restarts()).isEqualTo(1);
  }

  @Test
  void crashLoop_backsOff_thenIsMarkedFailed_withExitCodeAndLogTail_untilACommand() throws Exception {
    ProcessSupervisor s = supervisor(fastRestarts(2));
    Path counter = tmp.resolve("runs");
    InstanceCommand c = new InstanceCommand("loop", "v2", "start",
        List.of("sh", "-c", "echo run >> " + counter + "; echo about to fail; exit 3"), null, null);
    s.apply(c);
    await().atMost(Duration.ofSeconds(20)).until(() -> s.health("loop").state().equals("FAILED"));
    InstanceHealth h = s.health("loop");
    assertThat(h.exitCode()).isEqualTo(3);
    assertThat(h.restarts()).isEqualTo(2);
    assertThat(h.ready()).isFalse();
    assertThat(h.pid()).isNull();
    assertThat(h.message()).contains("3 crash(es)", "2 restart(s) allowed");
    assertThat(h.lastLog()).contains("about to fail").anyMatch(l -> l.contains("start loop at version v2"));
    assertThat(eventTypes("loop")).containsExactly("instance-crashed", "instance-restarted", "instance-crashed",
        "instance-restarted", "instance-failed");
    assertThat(events.stream().filter(e -> e.type().equals("instance-crashed")).map(InstanceEvent::backoffMillis))
        .containsExactly(100L, 200L);
    Thread.sleep(500); // longer than any backoff: nothing more is started
    assertThat(Files.readAllLines(counter)).hasSize(3);
    assertThat(s.health("loop").state()).isEqualTo("FAILED");
    assertThat(s.crashed().get("FAILED")).containsExactly("loop");
    // a command takes over: the crashes are forgotten and the instance runs again
    s.apply(new InstanceCommand("loop", "v3", "start", List.of("sleep", "60"), null, null));
    assertThat(s.health("loop").state()).isEqualTo("READY");
    assertThat(s.health("loop").exitCode()).isNull();
  }

  @Test
  void deliberateStopAndRestart_areNotCrashes() throws Exception {
    ProcessSupervisor s = supervisor(fastRestarts(2));
    InstanceCommand c = new InstanceCommand("d", "v1", "start", List.of("sleep", "60"), null, null);
    long pid1 = s.apply(c).pid();
    long pid2 = s.apply(new InstanceCommand("d", "v1", "restart", c.command(), null, null)).pid();
    assertThat(alive(pid1)).isFalse();
    s.apply(new InstanceCommand("d", "v1", "stop", null, null, null));
    assertThat(alive(pid2)).isFalse();
    Thread.sleep(600); // several backoffs: a stop taken for a crash would have restarted by now
    assertThat(s.health("d").state()).isEqualTo("STOPPED");
    assertThat(s.health("d").restarts()).isEqualTo(1); // the requested restart only
    assertThat(events).isEmpty();
  }

  @Test
  void restart_httpReadiness_countsRestartsAndLogs() throws Exception {
    int port = io.datawarehouse.deployment.SampleServiceAccess.freePorts(1);
    ProcessSupervisor s = supervisor(Duration.ofSeconds(5));
    InstanceCommand v1 = new InstanceCommand("web-0", "v1", "restart",
        io.datawarehouse.deployment.SampleServiceAccess.command("--port", "" + port, "--version", "v1"), null,
        new InstanceCommand.Readiness("http://127.0.0.1:" + port + "/health", null));
    InstanceHealth started = s.apply(v1);
    assertThat(started.pid()).isNotNull();
    await().atMost(Duration.ofSeconds(30)).until(() -> s.health("web-0").ready());
    long pid1 = s.health("web-0").pid();
    s.apply(new InstanceCommand("web-0", "v2", null, v1.command().stream().map(a -> a.equals("v1") ? "v2" : a).toList(),
        null, v1.readiness()));
    assertThat(ProcessHandle.of(pid1).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    await().atMost(Duration.ofSeconds(30)).until(() -> s.health("web-0").ready());
    InstanceHealth h = s.health("web-0");
    assertThat(h.version()).isEqualTo("v2");
    assertThat(h.restarts()).isEqualTo(1);
    assertThat(h.readySince()).isNotNull();
    assertThat(Files.readString(s.logFile("web-0"))).contains("start web-0 at version v1", "test service v2 on port");
    s.apply(new InstanceCommand("web-0", "v2", "stop", null, null, null));
    assertThat(s.health("web-0").state()).isEqualTo("STOPPED");
  }

  @Test
  void start_sameVersionRunning_isANoOp() {
    ProcessSupervisor s = supervisor(Duration.ofSeconds(5));
    InstanceCommand c = new InstanceCommand("a", "v1", "start", List.of("sleep", "30"), null, null);
    long pid = s.apply(c).pid();
    assertThat(s.apply(c).pid()).isEqualTo(pid);
    assertThat(s.health("a").ready()).isTrue(); // no probe: alive is ready
    assertThat(s.health("a").restarts()).isZero();
  }

  @Test
  void stop_processIgnoringSigterm_isKilledAfterTimeout() {
    ProcessSupervisor s = supervisor(Duration.ofMillis(300));
    s.apply(new InstanceCommand("stubborn", "v1", "start",
        List.of("sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"), null, null));
    long pid = s.health("stubborn").pid();
    s.apply(new InstanceCommand("stubborn", "v1", "stop", null, null, null));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(s.health("stubborn").message()).contains("killed");
  }

  @Test
  void exitWithoutRestartsAllowed_isFailedAtOnce_andTcpProbeFailsWhenNothingListens() {
    ProcessSupervisor s = supervisor(fastRestarts(0));
    s.apply(new InstanceCommand("quits", "v1", "start", List.of("sh", "-c", "echo bye; exit 3"), null, null));
    await().atMost(Duration.ofSeconds(10)).until(() -> s.health("quits").state().equals("FAILED"));
    assertThat(s.health("quits").exitCode()).isEqualTo(3);
    assertThat(s.health("quits").lastLog()).contains("bye");
    assertThat(eventTypes("quits")).containsExactly("instance-failed");
    int port = io.datawarehouse.deployment.SampleServiceAccess.freePorts(1);
    s.apply(new InstanceCommand("tcp", "v1", "start", List.of("sleep", "30"), null,
        new InstanceCommand.Readiness(null, port)));
    InstanceHealth h = s.health("tcp");
    assertThat(h.ready()).isFalse();
    assertThat(h.state()).isEqualTo("STARTING");
    assertThat(s.health("nobody").state()).isEqualTo("UNKNOWN");
  }

  @Test
  void newSupervisorOverTheSameDirectory_adoptsRunningProcesses_andCanStopThem() {
    ProcessSupervisor crashed = new ProcessSupervisor(tmp.resolve("logs"), Time.SYSTEM, fastRestarts(0));
    long pid = crashed.apply(new InstanceCommand("a", "v7", "start", List.of("sleep", "60"), null, null)).pid();
    crashed.apply(new InstanceCommand("b", "v7", "start", List.of("sh", "-c", "exit 0"), null, null));
    await().atMost(Duration.ofSeconds(10)).until(() -> crashed.health("b").state().equals("FAILED"));
    crashed.detach(); // the first supervisor is gone without stopping anything; a new one opens the same directory
    ProcessSupervisor s = supervisor(fastRestarts(2));
    InstanceHealth h = s.health("a");
    assertThat(h.pid()).isEqualTo(pid);
    assertThat(h.version()).isEqualTo("v7");
    assertThat(h.ready()).isTrue();
    assertThat(s.health("b").state()).isEqualTo("UNKNOWN");
    assertThat(s.apply(new InstanceCommand("a", "v7", "start", List.of("sleep", "60"), null, null)).pid())
        .as("start at the same version is a no-op on the adopted process").isEqualTo(pid);
    s.apply(new InstanceCommand("a", "v7", "stop", null, null, null));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(tmp.resolve("logs").resolve("a.state")).doesNotExist();
    assertThat(events).as("a deliberate stop of an adopted process is no crash").isEmpty();
  }

  @Test
  void adoptedProcessThatDies_isRestartedWithItsPersistedCommand() {
    ProcessSupervisor crashed = new ProcessSupervisor(tmp.resolve("logs"), Time.SYSTEM, fastRestarts(0));
    long pid = crashed.apply(new InstanceCommand("a", "v7", "start", List.of("sleep", "60"), null, null)).pid();
    crashed.detach();
    ProcessSupervisor s = supervisor(fastRestarts(2));
    assertThat(s.health("a").pid()).isEqualTo(pid);
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    await().atMost(Duration.ofSeconds(10)).until(() -> eventTypes("a").contains("instance-restarted"));
    InstanceHealth h = s.health("a");
    assertThat(h.state()).isEqualTo("READY");
    assertThat(h.version()).isEqualTo("v7");
    assertThat(h.pid()).isNotEqualTo(pid);
    assertThat(events.get(0).exitCode()).as("an adopted process's exit code is not known").isNull();
  }

  @Test
  void badCommands_areRefused() {
    ProcessSupervisor s = supervisor(Duration.ofSeconds(1));
    assertThatThrownBy(() -> s.apply(new InstanceCommand("../x", "v1", null, List.of("true"), null, null)))
        .isInstanceOf(DwException.class).hasMessageContaining("instance id");
    assertThatThrownBy(() -> s.apply(new InstanceCommand("x", "v1", "start", null, null, null)))
        .hasMessageContaining("needs a command");
    assertThatThrownBy(() -> s.apply(new InstanceCommand("x", "v1", "jump", List.of("true"), null, null)))
        .hasMessageContaining("start, restart or stop");
    assertThatThrownBy(() -> s.apply(new InstanceCommand("x", "v1", "start", List.of("/no/such/program"), null, null)))
        .hasMessageContaining("cannot start");
  }
}
