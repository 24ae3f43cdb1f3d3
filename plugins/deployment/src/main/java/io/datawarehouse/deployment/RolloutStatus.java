package io.datawarehouse.deployment;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a rollout is doing, as persisted.
 *
 * @param id the rollout id
 * @param service the service
 * @param strategy rolling, canary, bluegreen or initial
 * @param version the version rolled out
 * @param previousVersion the version replaced, or null for a first deployment
 * @param phase the phase
 * @param stageIndex the current stage of the current plan (0-based)
 * @param stages the stages of the current plan, described
 * @param instances instance id to the version it was last told to run (stopped ones removed)
 * @param analysisFailures failed canary analyses so far
 * @param message the latest transition's message
 * @param audit how audit entries are going: {@code tamperproof}, or why they are not written
 * @param createdAt when applied
 * @param updatedAt the latest transition
 * @param history every transition
 */
public record RolloutStatus(String id, String service, String strategy, String version, String previousVersion,
    Phase phase, int stageIndex, List<String> stages, Map<String, String> instances, int analysisFailures,
    String message, String audit, Instant createdAt, Instant updatedAt, List<DeploymentEvent> history) {}
