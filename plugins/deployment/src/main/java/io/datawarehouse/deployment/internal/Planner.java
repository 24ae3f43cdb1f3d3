package io.datawarehouse.deployment.internal;

import io.datawarehouse.deployment.DeploymentSpec;
import io.datawarehouse.deployment.TrafficRoute;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a spec and the service's current layout into a plan of {@link Stage}s, and a failed
 * rollout into its rollback plan. Pure functions: no I/O, no time.
 *
 * <p>Invariants the plans keep: a version's pool gets weight only after its instances passed
 * AWAIT_READY; an instance leaves the routing table before it is restarted or stopped; a rolling
 * batch is at most maxUnavailable + maxSurge instances and maxSurge extra instances serve during
 * the whole rollout, so at least {@code instances - maxUnavailable} ready instances serve at any
 * time.
 */
public final class Planner {
  private Planner() {}

  /** The layout a plan leaves behind: the serving slots and the active environment (blue-green). */
  public record Layout(List<Integer> slots, String environment) {}

  /** A plan and the layout it ends in. */
  public record Plan(List<Stage> stages, Layout result) {}

  /** The first deployment of a service: start every instance, route to them. */
  public static Plan initial(DeploymentSpec spec) {
    List<Integer> slots = range(0, spec.instances());
    List<Stage> st = new ArrayList<>();
    st.add(Stage.start(slots, spec.version().name()));
    st.add(Stage.awaitReady(slots, spec.version().name()));
    boolean bg = spec.strategy().parsedType() == DeploymentSpec.Type.BLUEGREEN;
    if (spec.routerPort() != null) {
      st.add(Stage.route(new TrafficRoute(spec.service(), spec.routerPort(), List.of(
          new TrafficRoute.Pool(spec.version().name(), bg ? "blue" : null, 100, backends(spec, slots))))));
      if (bg) {
        st.add(Stage.switchTo("blue"));
      }
    }
    return new Plan(st, new Layout(slots, bg ? "blue" : null));
  }

  /** The plan replacing {@code previous} (serving on {@code current}) with {@code spec}. */
  public static Plan plan(DeploymentSpec spec, DeploymentSpec previous, Layout current) {
    return switch (spec.strategy().parsedType()) {
      case ROLLING -> rolling(spec, previous, current);
      case CANARY -> canary(spec, previous, current);
      case BLUEGREEN -> blueGreen(spec, previous, current);
    };
  }

  static Plan rolling(DeploymentSpec spec, DeploymentSpec previous, Layout current) {
    String nv = spec.version().name();
    List<Integer> active = current.slots();
    List<Integer> surge = spare(active, spec.strategy().surge());
    Map<Integer, String> versions = new TreeMap<>();
    active.forEach(s -> versions.put(s, previous.version().name()));
    List<String> names = List.of(previous.version().name(), nv);
    List<Stage> st = new ArrayList<>();
    Set<Integer> serving = new LinkedHashSet<>(active);
    if (!surge.isEmpty()) {
      st.add(Stage.start(surge, nv));
      st.add(Stage.awaitReady(surge, nv));
      surge.forEach(s -> versions.put(s, nv));
      serving.addAll(surge);
      routeByCount(spec, versions, serving, names, st);
    }
    int batch = Math.max(1, spec.strategy().unavailable() + spec.strategy().surge());
    replaceInBatches(spec, active, versions, serving, names, nv, batch, st);
    if (!surge.isEmpty()) {
      serving.removeAll(surge);
      routeByCount(spec, versions, serving, names, st);
      st.add(Stage.stop(surge));
    }
    return new Plan(st, current);
  }

  static Plan canary(DeploymentSpec spec, DeploymentSpec previous, Layout current) {
    String nv = spec.version().name();
    String pv = previous.version().name();
    List<Integer> active = current.slots();
    List<Integer> canaries = spare(active, spec.strategy().canaries());
    DeploymentSpec.Analysis analysis = spec.strategy().analysis();
    List<Stage> st = new ArrayList<>();
    st.add(Stage.start(canaries, nv));
    st.add(Stage.awaitReady(canaries, nv));
    int last = 0;
    for (DeploymentSpec.Step step : spec.strategy().steps()) {
      st.add(Stage.route(new TrafficRoute(spec.service(), spec.routerPort(), List.of(
          new TrafficRoute.Pool(pv, null, 100 - step.weight(), backends(spec, active)),
          new TrafficRoute.Pool(nv, null, step.weight(), backends(spec, canaries))))));
      if (step.pause() != null || analysis == null) {
        st.add(Stage.pause(step.pause(), "hold canary at " + step.weight() + "%"));
      }
      if (analysis != null && step.weight() < 100) {
        st.add(Stage.analyze(nv, pv, step.weight()));
      }
      last = step.weight();
    }
    if (last < 100) {
      st.add(Stage.route(new TrafficRoute(spec.service(), spec.routerPort(), List.of(
          new TrafficRoute.Pool(pv, null, 0, backends(spec, active)),
          new TrafficRoute.Pool(nv, null, 100, backends(spec, canaries))))));
    }
    // the baseline gets no traffic now: replace it at once, then fold the canaries in and out
    st.add(Stage.start(active, nv));
    st.add(Stage.awaitReady(active, nv));
    List<Integer> all = new ArrayList<>(active);
    all.addAll(canaries);
    st.add(Stage.route(new TrafficRoute(spec.service(), spec.routerPort(), List.of(
        new TrafficRoute.Pool(pv, null, 0, List.of()), new TrafficRoute.Pool(nv, null, 100, backends(spec, all))))));
    st.add(Stage.route(new TrafficRoute(spec.service(), spec.routerPort(), List.of(
        new TrafficRoute.Pool(pv, null, 0, List.of()), new TrafficRoute.Pool(nv, null, 100, backends(spec, active))))));
    st.add(Stage.stop(canaries));
    return new Plan(st, current);
  }

  static Plan blueGreen(DeploymentSpec spec, DeploymentSpec previous, Layout current) {
    String nv = spec.version().name();
    String oldEnv = current.environment() == null ? "blue" : current.environment();
    String newEnv = oldEnv.equals("blue") ? "green" : "blue";
    List<Integer> idle = spare(current.slots(), spec.instances());
    List<Stage> st = new ArrayList<>();
    st.add(Stage.start(idle, nv));
    st.add(Stage.awaitReady(idle, nv));
    st.add(Stage.route(new TrafficRoute(spec.service(), spec.routerPort(), List.of(
        new TrafficRoute.Pool(previous.version().name(), oldEnv, 100, backends(spec, current.slots())),
        new TrafficRoute.Pool(nv, newEnv, 0, backends(spec, idle))))));
    if (spec.strategy().analysis() != null) {
      // preview: the new environment gets only requests pinned to it (X-DW-Version), compared with live traffic
      st.add(Stage.analyze(nv, previous.version().name(), 0));
    }
    st.add(Stage.switchTo(newEnv));
    st.add(Stage.pause(spec.strategy().scaleDownDelayDuration().toMillis() + "ms",
        "keep " + oldEnv + " for an instant rollback"));
    st.add(Stage.stop(current.slots()));
    return new Plan(st, new Layout(idle, newEnv));
  }

  /**
   * The rollback of a rollout that was replacing {@code previous} on {@code current}: traffic back
   * to the instances still at the previous version, extra instances stopped, replaced instances
   * restarted at the previous version in batches. For blue-green: switch back, stop the new
   * environment. For a first deployment (no previous): stop everything it started.
   *
   * @param instances slot to the version each instance was last told to run
   * @param switched whether a blue-green switch to the new environment happened
   */
  public static Plan rollback(DeploymentSpec spec, DeploymentSpec previous, Layout current,
      Map<Integer, String> instances, boolean switched) {
    List<Stage> st = new ArrayList<>();
    if (previous == null) {
      if (spec.routerPort() != null) {
        st.add(Stage.route(new TrafficRoute(spec.service(), spec.routerPort(), List.of(
            new TrafficRoute.Pool(spec.version().name(), null, 0, List.of())))));
      }
      st.add(Stage.stop(List.copyOf(instances.keySet())));
      return new Plan(st, new Layout(List.of(), null));
    }
    String pv = previous.version().name();
    List<Integer> extra = new ArrayList<>(instances.keySet());
    extra.removeAll(current.slots());
    if (spec.strategy().parsedType() == DeploymentSpec.Type.BLUEGREEN && spec.routerPort() != null) {
      if (switched) {
        st.add(Stage.switchTo(current.environment() == null ? "blue" : current.environment()));
      }
      st.add(Stage.stop(extra));
      return new Plan(st, current);
    }
    Map<Integer, String> versions = new TreeMap<>();
    current.slots().forEach(s -> versions.put(s, instances.getOrDefault(s, pv)));
    List<String> names = List.of(pv, spec.version().name());
    Set<Integer> serving = new LinkedHashSet<>(current.slots());
    routeByCount(spec, versions, serving, names, st);
    if (!extra.isEmpty()) {
      st.add(Stage.stop(extra));
    }
    List<Integer> toReplace = current.slots().stream().filter(s -> !pv.equals(versions.get(s))).toList();
    int batch = Math.max(1, spec.strategy().unavailable());
    replaceInBatches(spec, toReplace, versions, serving, names, pv, batch, st);
    return new Plan(st, current);
  }

  private static void replaceInBatches(DeploymentSpec spec, List<Integer> slots, Map<Integer, String> versions,
      Set<Integer> serving, List<String> names, String target, int batch, List<Stage> st) {
    for (int i = 0; i < slots.size(); i += batch) {
      List<Integer> b = slots.subList(i, Math.min(slots.size(), i + batch));
      serving.removeAll(b);
      routeByCount(spec, versions, serving, names, st);
      st.add(Stage.start(b, target));
      st.add(Stage.awaitReady(b, target));
      b.forEach(s -> versions.put(s, target));
      serving.addAll(b);
      routeByCount(spec, versions, serving, names, st);
    }
  }

  /** A ROUTE stage with one pool per version, weighted by its number of serving instances. */
  private static void routeByCount(DeploymentSpec spec, Map<Integer, String> versions, Set<Integer> serving,
      List<String> names, List<Stage> st) {
    if (spec.routerPort() == null) {
      return;
    }
    List<TrafficRoute.Pool> pools = new ArrayList<>();
    for (String name : names) {
      List<Integer> in = serving.stream().filter(s -> name.equals(versions.get(s))).sorted().toList();
      pools.add(new TrafficRoute.Pool(name, null, in.size(), backends(spec, in)));
    }
    st.add(Stage.route(new TrafficRoute(spec.service(), spec.routerPort(), pools)));
  }

  /** The {@code n} smallest slots not in {@code used}. */
  static List<Integer> spare(List<Integer> used, int n) {
    List<Integer> out = new ArrayList<>();
    for (int s = 0; out.size() < n; s++) {
      if (!used.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }

  static List<Integer> range(int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }

  private static List<String> backends(DeploymentSpec spec, List<Integer> slots) {
    return slots.stream().map(spec::backend).toList();
  }
}
