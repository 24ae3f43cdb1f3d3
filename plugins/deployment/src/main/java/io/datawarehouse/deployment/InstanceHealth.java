package io.datawarehouse.deployment;

import java.time.Instant;

/**
 * The reply of {@code deployment.health.check}: the state of one instance, probed when asked.
 *
 * @param instance the instance id
 * @param version the version it runs (or last ran)
 * @param state {@code STARTING} (alive, not ready yet), {@code READY}, {@code RESTARTING} (ended by
 *     itself; the supervisor restarts it after a backoff), {@code FAILED} (ended by itself too often
 *     within the restart window: not restarted until a command for it), {@code EXITED} (ended by
 *     itself while the supervisor was closing),
 *     {@code STOPPED} (stopped on request) or {@code UNKNOWN} (never started here)
 * @param ready whether the readiness probe passed now
 * @param pid the OS process id while alive, else null
 * @param restarts how many times this instance was (re)started after its first start
 * @param readySince since when the probes have passed without a failure, or null
 * @param exitCode the exit code of the last process that ended by itself (RESTARTING, FAILED,
 *     EXITED; null when unknown), else null
 * @param message what the last probe saw, or why the instance is not running
 * @param lastLog for RESTARTING, FAILED and EXITED: the last lines of the instance's log when its
 *     process ended; else empty
 */
public record InstanceHealth(String instance, String version, String state, boolean ready, Long pid, int restarts,
    Instant readySince, Integer exitCode, String message, java.util.List<String> lastLog) {
  /** Without log lines. */
  public InstanceHealth(String instance, String version, String state, boolean ready, Long pid, int restarts,
      Instant readySince, Integer exitCode, String message) {
    this(instance, version, state, ready, pid, restarts, readySince, exitCode, message, java.util.List.of());
  }
}
