package io.datawarehouse.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.deployment.router.TrafficRouter;
import io.datawarehouse.deployment.supervisor.ProcessSupervisor;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployment plugin: hosts, each when enabled in its section of the configuration, the process
 * supervisor ({@code deployment.instance.restart}, {@code deployment.health.check}), the traffic
 * router ({@code deployment.traffic.route}, {@code deployment.environment.switch}, {@code
 * deployment.traffic.stats}) and the orchestrator ({@code deployment.rollout.*}, events on {@code
 * deployment.events}). The three talk only over the bus, so they may run on different kernels.
 *
 * <p>Data: {@code <dataDir>/deployment/instances/} (one log per instance), {@code rollouts/},
 * {@code services/}, {@code inbox/} (commands from the CLI), {@code audit-journal.jsonl}.
 */
public final class DeploymentPlugin implements Plugin {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentPlugin.class);

  private static final ConfigDef SUPERVISOR = ConfigDef.builder()
      .bool("enabled", true, "run the local process supervisor")
      .duration("stopTimeout", "10s", "how long an instance may take to stop after SIGTERM before it is killed")
      .duration("probeTimeout", "2s", "connect and answer timeout of a readiness probe")
      .integer("maxRestarts", 3, io.datawarehouse.sdk.config.Validators.range(0, 1000),
          "automatic restarts of a crashed instance within restartWindow; the next crash marks it FAILED")
      .duration("restartWindow", "60s", "the window in which an instance's crashes are counted")
      .duration("restartBackoff", "1s", "delay before the first automatic restart, doubled per further crash")
      .duration("maxRestartBackoff", "30s", "the longest delay before an automatic restart")
      .build();
  private static final ConfigDef ROUTER = ConfigDef.builder()
      .bool("enabled", true, "run the local HTTP traffic router (it listens only once a route names a port)")
      .duration("connectTimeout", "2s", "to connect to a backend")
      .duration("requestTimeout", "30s", "for a backend's answer")
      .size("maxBody", "16MiB", null, "the largest request or answer body the router buffers")
      .bool("virtualThreads", false, "serve client connections on virtual threads (many idle connections) instead of"
          + " platform threads (less CPU per request)")
      .build();
  private static final ConfigDef ORCHESTRATOR = ConfigDef.builder()
      .bool("enabled", true, "run rollouts (and pick up the CLI's commands from the data directory)")
      .duration("pollInterval", "250ms", "how often rollouts are advanced")
      .duration("requestTimeout", "15s", "timeout of each request to the supervisor and the router")
      .duration("auditTimeout", "5s", "timeout of an audit write to the tamperproof plugin")
      .integer("auditRetainDays", 365, io.datawarehouse.sdk.config.Validators.range(0, 36500), "retention of audit records in the tamperproof ledger, in days"
          + " (0: the tamperproof namespace 'deployment' decides)")
      .build();

  private final List<Subscription> subscriptions = new ArrayList<>();
  private volatile ProcessSupervisor supervisor;
  private volatile TrafficRouter router;
  private volatile Orchestrator orchestrator;

  /** {@code deployment.rollout.apply}: a spec as a JSON tree (durations as "5s"). */
  public record ApplyRequest(JsonNode spec) {}

  /** {@code deployment.rollout.status|promote|abort|retry}: a rollout id (status: null for all). */
  public record RolloutRequest(String id) {}

  @Override
  public String id() {
    return "deployment";
  }

  @Override
  public String description() {
    return "rolling, canary and blue-green rollouts, a local process supervisor and traffic router, a minimal k8s client";
  }

  @Override
  public ConfigDef configDef() {
    return ConfigDef.builder()
        .section("supervisor", SUPERVISOR, "the local process supervisor")
        .section("router", ROUTER, "the local HTTP traffic router")
        .section("orchestrator", ORCHESTRATOR, "the rollout orchestrator")
        .build();
  }

  @Override
  public void start(PluginContext context) {
    MessageBus bus = context.bus();
    Config sc = context.config().getSection("supervisor");
    if (sc.isTrue("enabled")) {
      ProcessSupervisor s = new ProcessSupervisor(context.dataDir().resolve("instances"), context.time(),
          new ProcessSupervisor.Options(sc.getDuration("stopTimeout"), sc.getDuration("probeTimeout"),
              sc.getInt("maxRestarts"), sc.getDuration("restartWindow"), sc.getDuration("restartBackoff"),
              sc.getDuration("maxRestartBackoff")),
          e -> {
            try {
              bus.publish(Message.json(DeploymentTopics.EVENTS, e));
            } catch (RuntimeException ex) {
              LOG.warn("could not publish the {} event of instance {} on {}: {}", e.type(), e.instance(),
                  DeploymentTopics.EVENTS, Health.describe(ex));
            }
          });
      supervisor = s;
      subscriptions.add(bus.subscribe(DeploymentTopics.INSTANCE_RESTART, handler(InstanceCommand.class, s::apply)));
      subscriptions.add(bus.subscribe(DeploymentTopics.HEALTH_CHECK,
          handler(HealthCheckRequest.class, q -> s.health(q.instance()))));
    }
    Config rc = context.config().getSection("router");
    if (rc.isTrue("enabled")) {
      TrafficRouter r = new TrafficRouter(new TrafficRouter.Options(rc.getDuration("connectTimeout"),
          rc.getDuration("requestTimeout"), rc.getSize("maxBody"), rc.isTrue("virtualThreads")));
      router = r;
      subscriptions.add(bus.subscribe(DeploymentTopics.TRAFFIC_ROUTE, handler(TrafficRoute.class, q -> {
        r.route(q);
        return r.stats(q.service());
      })));
      subscriptions.add(bus.subscribe(DeploymentTopics.ENVIRONMENT_SWITCH, handler(EnvironmentSwitch.class, q -> {
        r.switchEnvironment(q);
        return r.stats(q.service());
      })));
      subscriptions.add(bus.subscribe(DeploymentTopics.TRAFFIC_STATS,
          handler(TrafficStats.Request.class, q -> r.stats(q.service()))));
    }
    Config oc = context.config().getSection("orchestrator");
    if (oc.isTrue("enabled")) {
      Orchestrator o = new Orchestrator(bus, context.dataDir(), context.time(), new Orchestrator.Options(
          oc.getDuration("pollInterval"), oc.getDuration("requestTimeout"), oc.getDuration("auditTimeout"),
          oc.getInt("auditRetainDays")));
      orchestrator = o;
      subscriptions.add(bus.subscribe(DeploymentTopics.ROLLOUT_APPLY,
          MessageHandler.json(ApplyRequest.class, q -> o.apply(Orchestrator.specFrom(q.spec())))));
      subscriptions.add(bus.subscribe(DeploymentTopics.ROLLOUT_STATUS, MessageHandler.json(RolloutRequest.class,
          q -> q.id() == null ? Map.of("rollouts", o.list()) : o.status(q.id()))));
      subscriptions.add(bus.subscribe(DeploymentTopics.ROLLOUT_PROMOTE,
          MessageHandler.json(RolloutRequest.class, q -> o.promote(q.id()))));
      subscriptions.add(bus.subscribe(DeploymentTopics.ROLLOUT_ABORT,
          MessageHandler.json(RolloutRequest.class, q -> o.abort(q.id()))));
      subscriptions.add(bus.subscribe(DeploymentTopics.ROLLOUT_RETRY,
          MessageHandler.json(RolloutRequest.class, q -> o.retry(q.id()))));
      o.start();
    }
    LOG.info("deployment: supervisor {}, router {}, orchestrator {}", on(supervisor), on(router), on(orchestrator));
  }

  private static String on(Object o) {
    return o == null ? "off" : "on";
  }

  /** Handles both publishes (no reply) and requests (the result as JSON). */
  private static <Q> MessageHandler handler(Class<Q> type, Function<Q, Object> fn) {
    return m -> {
      Object result = fn.apply(m.json(type));
      return m.isRequest() ? Message.replyTo(m).json(result).build() : null;
    };
  }

  @Override
  public void stop() {
    subscriptions.forEach(Subscription::unsubscribe);
    subscriptions.clear();
    if (orchestrator != null) {
      orchestrator.close();
    }
    if (router != null) {
      router.close();
    }
    if (supervisor != null) {
      supervisor.close();
    }
  }

  @Override
  public Health health() {
    Health h = Health.up("supervisor " + on(supervisor) + ", router " + on(router) + ", orchestrator "
        + on(orchestrator));
    Orchestrator o = orchestrator;
    if (o != null) {
      try {
        List<RolloutStatus> all = o.list();
        long failed = all.stream().filter(r -> r.phase() == Phase.FAILED).count();
        h = h.withDetail("rollouts", all.size()).withDetail("unfinished",
            all.stream().filter(r -> !r.phase().terminal()).count());
        if (failed > 0) {
          h = Health.degraded(failed + " rollout(s) FAILED while rolling back").withDetails(h.details());
        }
      } catch (DwException e) {
        return Health.degraded("cannot read the rollouts: " + e.getMessage());
      }
    }
    ProcessSupervisor s = supervisor;
    if (s == null) {
      return h;
    }
    Map<String, List<String>> crashed = s.crashed();
    h = h.withDetail("instances", s.instanceCount()).withDetail("instancesRestarting", crashed.get("RESTARTING"))
        .withDetail("instancesFailed", crashed.get("FAILED"));
    if (!crashed.get("FAILED").isEmpty()) {
      h = Health.degraded(crashed.get("FAILED").size() + " instance(s) FAILED after repeated crashes: "
          + crashed.get("FAILED")).withDetails(h.details());
    }
    return h;
  }

  /** The supervisor while started and enabled, else null (for embedding and tests). */
  public ProcessSupervisor supervisor() {
    return supervisor;
  }

  /** The router while started and enabled, else null. */
  public TrafficRouter router() {
    return router;
  }

  /** The orchestrator while started and enabled, else null. */
  public Orchestrator orchestrator() {
    return orchestrator;
  }
}
