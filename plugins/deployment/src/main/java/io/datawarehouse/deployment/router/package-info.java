/**
 * The local HTTP traffic router behind {@code deployment.traffic.route} and {@code
 * deployment.environment.switch}: start with {@link io.datawarehouse.deployment.router.TrafficRouter}.
 */
package io.datawarehouse.deployment.router;
