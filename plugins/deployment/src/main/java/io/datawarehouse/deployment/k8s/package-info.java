/**
 * A minimal Kubernetes client for Deployment rollouts: start with {@link
 * io.datawarehouse.deployment.k8s.KubeClient}.
 */
package io.datawarehouse.deployment.k8s;
