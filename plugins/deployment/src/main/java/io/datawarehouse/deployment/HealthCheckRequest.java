package io.datawarehouse.deployment;

/**
 * The request of {@code deployment.health.check}.
 *
 * @param instance the instance id
 */
public record HealthCheckRequest(String instance) {}
