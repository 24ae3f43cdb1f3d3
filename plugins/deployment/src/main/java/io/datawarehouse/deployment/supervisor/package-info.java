/**
 * The local process supervisor behind {@code deployment.instance.restart} and {@code
 * deployment.health.check}: start with {@link io.datawarehouse.deployment.supervisor.ProcessSupervisor}.
 */
package io.datawarehouse.deployment.supervisor;
