package io.datawarehouse.deployment.internal;

import io.datawarehouse.deployment.TrafficRoute;
import java.util.List;

/**
 * One step of a rollout plan. Plans are computed once (at apply, at rollback, at retry) and
 * persisted with the rollout, so a restarted orchestrator continues exactly where it stood. Every
 * stage is idempotent: START means "running at this version" (a no-op when it already is), ROUTE
 * and SWITCH install a whole table, STOP of a stopped instance does nothing.
 *
 * @param kind what to do
 * @param slots the instance slots (START, AWAIT_READY, STOP)
 * @param version the version name (START, AWAIT_READY) or the canary pool (ANALYZE)
 * @param route the table (ROUTE)
 * @param environment the environment (SWITCH)
 * @param duration the pause (PAUSE; null waits for a promote)
 * @param baseline the baseline pool (ANALYZE)
 * @param label a description for people
 */
public record Stage(Kind kind, List<Integer> slots, String version, TrafficRoute route, String environment,
    String duration, String baseline, String label) {

  /** The kinds of stage. */
  public enum Kind { START, AWAIT_READY, ROUTE, SWITCH, PAUSE, ANALYZE, STOP }

  static Stage start(List<Integer> slots, String version) {
    return new Stage(Kind.START, List.copyOf(slots), version, null, null, null, null,
        "start " + slots + " at " + version);
  }

  static Stage awaitReady(List<Integer> slots, String version) {
    return new Stage(Kind.AWAIT_READY, List.copyOf(slots), version, null, null, null, null,
        "await ready " + slots + " at " + version);
  }

  static Stage stop(List<Integer> slots) {
    return new Stage(Kind.STOP, List.copyOf(slots), null, null, null, null, null, "stop " + slots);
  }

  static Stage route(TrafficRoute route) {
    StringBuilder sb = new StringBuilder("route");
    for (TrafficRoute.Pool p : route.pools()) {
      sb.append(' ').append(p.name()).append('=').append(p.weight());
    }
    return new Stage(Kind.ROUTE, List.of(), null, route, null, null, null, sb.toString());
  }

  static Stage switchTo(String environment) {
    return new Stage(Kind.SWITCH, List.of(), null, null, environment, null, null, "switch to " + environment);
  }

  static Stage pause(String duration, String why) {
    return new Stage(Kind.PAUSE, List.of(), null, null, null, duration, null,
        why + (duration == null ? " (until promoted)" : " (" + duration + ")"));
  }

  static Stage analyze(String canary, String baseline, int weight) {
    return new Stage(Kind.ANALYZE, List.of(), canary, null, null, null, baseline,
        "analyse " + canary + " at " + weight + "% against " + baseline);
  }
}
