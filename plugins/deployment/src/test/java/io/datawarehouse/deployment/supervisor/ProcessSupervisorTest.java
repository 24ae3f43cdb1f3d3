package io.datawarehouse.deployment.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datawarehouse.deployment.InstanceCommand;
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

  @AfterEach
  void close() {
    if (sup != null) {
      sup.close();
    }
  }

  private ProcessSupervisor supervisor(Duration stopTimeout) {
    sup = new ProcessSupervisor(tmp.resolve("logs"), Time.SYSTEM, new ProcessSupervisor.Options(stopTimeout,
        Duration.ofSeconds(1)));
    return sup;
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
  void exitedProcess_isReportedWithExitCode_andTcpProbeFailsWhenNothingListens() {
    ProcessSupervisor s = supervisor(Duration.ofSeconds(1));
    s.apply(new InstanceCommand("quits", "v1", "start", List.of("sh", "-c", "exit 3"), null, null));
    await().atMost(Duration.ofSeconds(10)).until(() -> s.health("quits").state().equals("EXITED"));
    assertThat(s.health("quits").exitCode()).isEqualTo(3);
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
    ProcessSupervisor crashed = new ProcessSupervisor(tmp.resolve("logs"), Time.SYSTEM, ProcessSupervisor.Options.defaults());
    long pid = crashed.apply(new InstanceCommand("a", "v7", "start", List.of("sleep", "60"), null, null)).pid();
    crashed.apply(new InstanceCommand("b", "v7", "start", List.of("sh", "-c", "exit 0"), null, null));
    await().atMost(Duration.ofSeconds(10)).until(() -> crashed.health("b").state().equals("EXITED"));
    // the first supervisor is gone without stopping anything; a new one opens the same directory
    ProcessSupervisor s = supervisor(Duration.ofSeconds(5));
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
