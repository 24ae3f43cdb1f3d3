package io.datawarehouse.deployment;

/**
 * The payload of {@code deployment.environment.switch}: make {@code environment} the only one
 * receiving traffic for {@code service} (its pools get weight 100, the others 0), atomically.
 *
 * @param service the service name
 * @param environment the environment to activate ({@code blue}, {@code green}, or any label used in
 *     the service's pools)
 */
public record EnvironmentSwitch(String service, String environment) {}
