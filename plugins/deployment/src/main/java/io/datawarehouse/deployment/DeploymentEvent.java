package io.datawarehouse.deployment;

import java.time.Instant;

/**
 * A rollout transition, published on {@code deployment.events} and, when the tamperproof plugin
 * answers, written to its ledger as an audit record (namespace {@code deployment}).
 *
 * @param type {@code started}, {@code stage} (a stage completed), {@code paused}, {@code promoted},
 *     {@code analysis} (a verdict), {@code rolling-back}, {@code succeeded}, {@code rolled-back},
 *     {@code failed}, {@code aborted}, {@code retried}, {@code resumed}
 * @param rolloutId the rollout
 * @param service the service
 * @param strategy rolling, canary, bluegreen or initial
 * @param version the version being rolled out
 * @param previousVersion the version it replaces, or null
 * @param phase the phase after the transition
 * @param stage the current stage's description, or null
 * @param stageIndex the current stage (0-based)
 * @param stages the number of stages in the current plan
 * @param message what happened
 * @param at when
 */
public record DeploymentEvent(String type, String rolloutId, String service, String strategy, String version,
    String previousVersion, Phase phase, String stage, int stageIndex, int stages, String message, Instant at) {}
