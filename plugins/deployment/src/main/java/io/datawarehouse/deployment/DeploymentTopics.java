package io.datawarehouse.deployment;

/**
 * The bus topics of the deployment plugin. The first five names are fixed by the architecture's
 * topic catalogue; the {@code deployment.rollout.*} and {@code deployment.traffic.stats} topics are
 * this plugin's own. Payloads are the records of this package; the README documents them.
 */
public final class DeploymentTopics {
  /** Publish: every rollout transition, a {@link DeploymentEvent}. */
  public static final String EVENTS = "deployment.events";
  /** Publish (or request, for an acknowledgement): an {@link InstanceCommand} to the process supervisor. */
  public static final String INSTANCE_RESTART = "deployment.instance.restart";
  /** Request: a {@link HealthCheckRequest}; reply an {@link InstanceHealth}. */
  public static final String HEALTH_CHECK = "deployment.health.check";
  /** Publish: a {@link TrafficRoute} to the traffic router. */
  public static final String TRAFFIC_ROUTE = "deployment.traffic.route";
  /** Publish: an {@link EnvironmentSwitch} to the traffic router. */
  public static final String ENVIRONMENT_SWITCH = "deployment.environment.switch";
  /** Request: a {@link TrafficStats.Request}; reply {@link TrafficStats}: the router's counts per pool. */
  public static final String TRAFFIC_STATS = "deployment.traffic.stats";
  /** Request: {@code {spec}} (JSON tree of a deployment spec); reply the new rollout. */
  public static final String ROLLOUT_APPLY = "deployment.rollout.apply";
  /** Request: {@code {id?}}; reply one rollout, or all of them without an id. */
  public static final String ROLLOUT_STATUS = "deployment.rollout.status";
  /** Request: {@code {id}}; skips the current pause or analysis wait. */
  public static final String ROLLOUT_PROMOTE = "deployment.rollout.promote";
  /** Request: {@code {id}}; rolls back. */
  public static final String ROLLOUT_ABORT = "deployment.rollout.abort";
  /** Request: {@code {id}}; restarts a failed or aborted rollout from the beginning. */
  public static final String ROLLOUT_RETRY = "deployment.rollout.retry";
  /** The tamperproof plugin's write topic, used for audit entries when that plugin answers. */
  public static final String TAMPERPROOF_WRITE = "tamperproof.write";

  private DeploymentTopics() {}
}
