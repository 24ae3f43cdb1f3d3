package io.datawarehouse.deployment.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.deployment.DeploymentSpec;
import io.datawarehouse.deployment.TrafficRoute;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Plans checked by simulating them: who runs what, who gets traffic, at every stage. */
class PlannerTest {
  static DeploymentSpec spec(String version, int instances, String strategy) {
    return DeploymentSpec.parse("""
        service: s
        version: {name: %s, command: [app]}
        instances: %d
        basePort: 30000
        routerPort: 30999
        strategy: %s
        """.formatted(version, instances, strategy), "spec");
  }

  /** Simulates a plan: instances become ready right after START; tracks routed-and-ready backends. */
  static int minRoutedReady(Planner.Plan plan, List<Integer> initiallyRunning, String v1) {
    Map<Integer, String> running = new HashMap<>();
    initiallyRunning.forEach(s -> running.put(s, v1));
    Set<String> routed = new HashSet<>();
    initiallyRunning.forEach(s -> routed.add("127.0.0.1:" + (30000 + s)));
    Set<Integer> ready = new HashSet<>(initiallyRunning);
    int min = Integer.MAX_VALUE;
    for (Stage st : plan.stages()) {
      switch (st.kind()) {
        case START -> st.slots().forEach(s -> {
          // a restarted instance must not be routed at that moment
          assertThat(routed).as("restarting %s while routed", s).doesNotContain("127.0.0.1:" + (30000 + s));
          running.put(s, st.version());
          ready.remove(s);
        });
        case AWAIT_READY -> ready.addAll(st.slots());
        case STOP -> st.slots().forEach(s -> {
          assertThat(routed).as("stopping %s while routed", s).doesNotContain("127.0.0.1:" + (30000 + s));
          running.remove(s);
          ready.remove(s);
        });
        case ROUTE -> {
          routed.clear();
          for (TrafficRoute.Pool p : st.route().pools()) {
            for (String b : p.backends()) {
              int slot = Integer.parseInt(b.substring(b.indexOf(':') + 1)) - 30000;
              if (p.weight() > 0) {
                assertThat(ready).as("weight to unready %s", b).contains(slot);
                assertThat(running.get(slot)).isEqualTo(p.name());
                routed.add(b);
              }
            }
          }
        }
        default -> { }
      }
      min = Math.min(min, routed.size());
    }
    return min;
  }

  @Test
  void rolling_everyBatchSize_keepsInstancesMinusMaxUnavailableRouted() {
    for (int n = 1; n <= 6; n++) {
      for (int unavailable = 0; unavailable <= n; unavailable++) {
        for (int surge = 0; surge <= n; surge++) {
          if (unavailable + surge == 0) {
            continue;
          }
          DeploymentSpec v2 = spec("v2", n, "{type: rolling, maxUnavailable: %d, maxSurge: %d}".formatted(unavailable, surge));
          List<Integer> slots = Planner.range(0, n);
          Planner.Plan plan = Planner.plan(v2, spec("v1", n, "{type: rolling}"), new Planner.Layout(slots, null));
          int min = minRoutedReady(plan, slots, "v1");
          assertThat(min).as("n=%d maxUnavailable=%d maxSurge=%d", n, unavailable, surge)
              .isGreaterThanOrEqualTo(Math.min(n, n - unavailable));
        }
      }
    }
  }

  @Test
  void canary_weightsOnlyAfterReady_andEndsWithAllOnNewVersion() {
    DeploymentSpec v2 = spec("v2", 3, "{type: canary, canaryInstances: 2, steps: [{weight: 10}, {weight: 40}]}");
    List<Integer> slots = Planner.range(0, 3);
    Planner.Plan plan = Planner.plan(v2, spec("v1", 3, "{type: rolling}"), new Planner.Layout(slots, null));
    minRoutedReady(plan, slots, "v1");
    Stage last = plan.stages().get(plan.stages().size() - 1);
    assertThat(last.kind()).isEqualTo(Stage.Kind.STOP);
    assertThat(last.slots()).containsExactly(3, 4);
    assertThat(plan.stages()).filteredOn(s -> s.kind() == Stage.Kind.ROUTE)
        .extracting(s -> s.route().pools().get(1).weight()).containsExactly(10, 40, 100, 100, 100);
  }

  @Test
  void blueGreen_usesTheIdleSlots_andAlternates() {
    DeploymentSpec v2 = spec("v2", 2, "{type: bluegreen}");
    Planner.Plan p1 = Planner.plan(v2, spec("v1", 2, "{type: bluegreen}"), new Planner.Layout(List.of(0, 1), "blue"));
    assertThat(p1.result()).isEqualTo(new Planner.Layout(List.of(2, 3), "green"));
    assertThat(p1.stages()).extracting(Stage::kind).containsExactly(Stage.Kind.START, Stage.Kind.AWAIT_READY,
        Stage.Kind.ROUTE, Stage.Kind.SWITCH, Stage.Kind.PAUSE, Stage.Kind.STOP);
    Planner.Plan p2 = Planner.plan(spec("v3", 2, "{type: bluegreen}"), v2, p1.result());
    assertThat(p2.result()).isEqualTo(new Planner.Layout(List.of(0, 1), "blue"));
  }

  @Test
  void rollback_rolling_restartsOnlyReplacedInstances_andStopsExtras() {
    DeploymentSpec v2 = spec("v2", 4, "{type: rolling, maxUnavailable: 1, maxSurge: 1}");
    Map<Integer, String> now = Map.of(0, "v2", 1, "v2", 2, "v1", 3, "v1", 4, "v2");
    Planner.Plan rb = Planner.rollback(v2, spec("v1", 4, "{type: rolling}"), new Planner.Layout(Planner.range(0, 4), null),
        now, false);
    assertThat(rb.stages()).filteredOn(s -> s.kind() == Stage.Kind.START).flatExtracting(Stage::slots)
        .containsExactly(0, 1);
    assertThat(rb.stages()).filteredOn(s -> s.kind() == Stage.Kind.START).extracting(Stage::version)
        .containsOnly("v1");
    assertThat(rb.stages()).filteredOn(s -> s.kind() == Stage.Kind.STOP).flatExtracting(Stage::slots).containsExactly(4);
    assertThat(rb.stages().get(0).kind()).isEqualTo(Stage.Kind.ROUTE);
  }
}
