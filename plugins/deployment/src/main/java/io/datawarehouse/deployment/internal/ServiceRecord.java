package io.datawarehouse.deployment.internal;

import io.datawarehouse.deployment.DeploymentSpec;

/**
 * What serves a service now (format v1, persisted once a rollout succeeds or rolls back).
 *
 * @param spec the spec that serves
 * @param layout its serving slots and environment
 * @param rolloutId the rollout that made it so
 */
public record ServiceRecord(DeploymentSpec spec, Planner.Layout layout, String rolloutId) {}
