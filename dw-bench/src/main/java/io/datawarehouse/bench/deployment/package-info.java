/** Benchmarks of the deployment plugin: the traffic router's overhead. */
package io.datawarehouse.bench.deployment;
