package io.datawarehouse.deployment;

import java.util.List;

/**
 * The payload of {@code deployment.traffic.route}: the complete routing table of one service. The
 * router swaps it in as one unit.
 *
 * @param service the service name
 * @param port the loopback port the router listens on for this service (0 when the listener
 *     exists already; the first table of a service must name it)
 * @param pools the pools, each a version (or environment) with its weight and backends
 */
public record TrafficRoute(String service, int port, List<Pool> pools) {

  /**
   * One pool of backends.
   *
   * @param name the version name; requests carrying the header {@code X-DW-Version: name} go here
   *     whatever the weights
   * @param environment the blue/green environment this pool belongs to, or null
   * @param weight the relative share of traffic (0 = none)
   * @param backends {@code host:port} addresses on loopback
   */
  public record Pool(String name, String environment, int weight, List<String> backends) {}
}
