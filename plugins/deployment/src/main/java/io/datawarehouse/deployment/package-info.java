/**
 * The deployment plugin: rolling, canary and blue-green rollouts driven over the bus, a local
 * process supervisor and HTTP traffic router, and a minimal Kubernetes client. Start with {@link
 * io.datawarehouse.deployment.DeploymentPlugin}; the payloads of the bus topics ({@link
 * io.datawarehouse.deployment.DeploymentTopics}) are the records of this package.
 */
package io.datawarehouse.deployment;
