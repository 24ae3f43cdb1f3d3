package io.datawarehouse.deployment;

import java.time.Instant;
import java.util.List;

/**
 * What the process supervisor publishes on {@code deployment.events} when an instance ends by
 * itself. Rollout transitions on the same topic are {@link DeploymentEvent}s; the two are told apart
 * by {@code type}: these all start with {@code instance-} (and carry {@code instance}, not {@code
 * rolloutId}).
 *
 * @param type {@code instance-crashed} (ended by itself; a restart is scheduled after {@code
 *     backoffMillis}), {@code instance-restarted} (the restart launched a new process), {@code
 *     instance-failed} (too many crashes within the restart window, or the restart could not launch
 *     and no attempt is left: no further restart until a command for the instance)
 * @param instance the instance id
 * @param version the version it runs
 * @param pid the process id (the one that ended; for {@code instance-restarted} the new one)
 * @param exitCode the exit code of the process that ended, or null when unknown (an adopted process)
 * @param restarts the instance's restart count after the event
 * @param crashes the crashes counted within the restart window, this one included
 * @param backoffMillis for {@code instance-crashed}: the delay before the restart, else 0
 * @param lastLog the last lines of the instance's log when it ended (empty for {@code
 *     instance-restarted})
 * @param message what happened, in words
 * @param at when
 */
public record InstanceEvent(String type, String instance, String version, Long pid, Integer exitCode, int restarts,
    int crashes, long backoffMillis, List<String> lastLog, String message, Instant at) {}
