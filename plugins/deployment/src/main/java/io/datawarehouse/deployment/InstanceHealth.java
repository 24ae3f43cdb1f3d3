package io.datawarehouse.deployment;

import java.time.Instant;

/**
 * The reply of {@code deployment.health.check}: the state of one instance, probed when asked.
 *
 * @param instance the instance id
 * @param version the version it runs (or last ran)
 * @param state {@code STARTING} (alive, not ready yet), {@code READY}, {@code EXITED} (ended by
 *     itself), {@code STOPPED} (stopped on request) or {@code UNKNOWN} (never started here)
 * @param ready whether the readiness probe passed now
 * @param pid the OS process id while alive, else null
 * @param restarts how many times this instance was (re)started after its first start
 * @param readySince since when the probes have passed without a failure, or null
 * @param exitCode the exit code once ended, else null
 * @param message what the last probe saw
 */
public record InstanceHealth(String instance, String version, String state, boolean ready, Long pid, int restarts,
    Instant readySince, Integer exitCode, String message) {}
