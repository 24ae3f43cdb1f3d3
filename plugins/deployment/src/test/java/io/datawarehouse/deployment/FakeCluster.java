package io.datawarehouse.deployment;

import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.Subscription;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A hand-written stand-in for the supervisor and the router on a bus: records every command, says
 * an instance is ready unless its version is in {@link #neverReady}, and serves traffic counts set
 * by the test.
 */
final class FakeCluster implements AutoCloseable {
  final Map<String, String> running = new ConcurrentHashMap<>();
  final Set<String> neverReady = ConcurrentHashMap.newKeySet();
  final Set<String> exits = ConcurrentHashMap.newKeySet();
  final List<String> log = new CopyOnWriteArrayList<>();
  final List<TrafficRoute> routes = new CopyOnWriteArrayList<>();
  final List<DeploymentEvent> events = new CopyOnWriteArrayList<>();
  final Map<String, TrafficStats.PoolStats> stats = new ConcurrentHashMap<>();
  volatile String activeEnvironment;
  private final List<Subscription> subs = new ArrayList<>();

  FakeCluster(MessageBus bus) {
    subs.add(bus.subscribe(DeploymentTopics.INSTANCE_RESTART, m -> {
      InstanceCommand c = m.json(InstanceCommand.class);
      log.add(c.parsedAction().name().toLowerCase(java.util.Locale.ROOT) + " " + c.instance() + " " + c.version());
      if (c.parsedAction() == InstanceCommand.Action.STOP) {
        running.remove(c.instance());
      } else {
        running.put(c.instance(), c.version());
      }
      return Message.replyTo(m).json(Map.of("ok", true)).build();
    }));
    subs.add(bus.subscribe(DeploymentTopics.HEALTH_CHECK, m -> {
      String id = m.json(HealthCheckRequest.class).instance();
      String v = running.get(id);
      if (v != null && exits.contains(v)) {
        return Message.replyTo(m).json(new InstanceHealth(id, v, "EXITED", false, null, 0, null, 1, "exited with code 1"))
            .build();
      }
      boolean ready = v != null && !neverReady.contains(v);
      return Message.replyTo(m).json(new InstanceHealth(id, v, ready ? "READY" : "STARTING", ready, 1L, 0,
          ready ? Instant.EPOCH : null, null, ready ? "ready" : "not ready")).build();
    }));
    subs.add(bus.subscribe(DeploymentTopics.TRAFFIC_ROUTE, m -> {
      TrafficRoute r = m.json(TrafficRoute.class);
      routes.add(r);
      StringBuilder sb = new StringBuilder("route");
      r.pools().forEach(p -> sb.append(' ').append(p.name()).append('=').append(p.weight()).append(p.backends()));
      log.add(sb.toString());
      return Message.replyTo(m).json(Map.of("ok", true)).build();
    }));
    subs.add(bus.subscribe(DeploymentTopics.ENVIRONMENT_SWITCH, m -> {
      activeEnvironment = m.json(EnvironmentSwitch.class).environment();
      log.add("switch " + activeEnvironment);
      return Message.replyTo(m).json(Map.of("ok", true)).build();
    }));
    subs.add(bus.subscribe(DeploymentTopics.TRAFFIC_STATS, m -> Message.replyTo(m)
        .json(new TrafficStats(m.json(TrafficStats.Request.class).service(), activeEnvironment,
            List.copyOf(stats.values()))).build()));
    subs.add(bus.subscribe(DeploymentTopics.EVENTS, MessageHandler.listener(m -> events.add(m.json(DeploymentEvent.class)))));
  }

  /** Adds to a pool's counts: n requests, e errors, all at {@code micros}. */
  void serve(String pool, long n, long e, long micros) {
    stats.compute(pool, (k, old) -> {
      long[] b = old == null ? new long[LatencyHistogram.BUCKETS] : old.latencyBuckets().clone();
      LatencyHistogram h = new LatencyHistogram();
      h.recordMicros(micros);
      long[] one = h.snapshot();
      for (int i = 0; i < b.length; i++) {
        b[i] += one[i] * n;
      }
      return new TrafficStats.PoolStats(pool, 0, (old == null ? 0 : old.requests()) + n,
          (old == null ? 0 : old.errors()) + e, b);
    });
  }

  @Override
  public void close() {
    subs.forEach(Subscription::unsubscribe);
  }
}
