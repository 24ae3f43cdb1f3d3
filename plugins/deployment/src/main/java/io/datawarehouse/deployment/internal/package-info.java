/**
 * Implementation detail of the deployment plugin: rollout plans ({@link
 * io.datawarehouse.deployment.internal.Planner}), their persisted state and the bus wiring. Not API.
 */
package io.datawarehouse.deployment.internal;
