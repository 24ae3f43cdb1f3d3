package io.datawarehouse.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Durations;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What to deploy and how: a service, the version to roll out (its command), the number of
 * instances, the ports, and the strategy with its parameters. Read from YAML or JSON with {@link
 * #parse}; durations are written as in dw.yaml ({@code 500ms}, {@code 5s}, {@code 2m}). The README
 * shows a complete spec.
 *
 * <p>Instance {@code i} of service {@code s} is {@code s-i} and listens on {@code basePort + i}; the
 * command may use {@code ${port}}, {@code ${instance}}, {@code ${version}} and {@code ${service}}.
 * Slots {@code 0..instances-1} are the first active set; canary, surge and the idle blue/green
 * environment use the next free slots.
 *
 * @param service the service name ({@code [a-z0-9][a-z0-9-]{0,62}})
 * @param version the version to roll out
 * @param instances how many instances serve (1..64)
 * @param basePort the port of slot 0 on loopback
 * @param routerPort the port the traffic router listens on for this service, or null for no router
 *     (required by canary and blue-green)
 * @param strategy how to roll out
 */
public record DeploymentSpec(String service, Version version, int instances, int basePort, Integer routerPort,
    Strategy strategy) {
  private static final Pattern SERVICE = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /**
   * A version of the service.
   *
   * @param name the version name (a pool name in the router)
   * @param command the program and its arguments, with placeholders
   * @param env extra environment variables, or null
   * @param readinessPath an HTTP path probed on the instance's port for readiness (e.g. {@code
   *     /health}), or null to probe the TCP port
   */
  public record Version(String name, List<String> command, Map<String, String> env, String readinessPath) {}

  /**
   * The strategy and its parameters (each strategy reads its own; the others are ignored).
   *
   * @param type {@code rolling}, {@code canary} or {@code bluegreen}
   * @param maxSurge rolling: extra instances started at the new version for the rollout (default 0)
   * @param maxUnavailable rolling: instances that may be down at once (default 1)
   * @param minReady how long an instance must stay ready before it counts (default 0)
   * @param progressDeadline how long one step may take to become ready (default 5m)
   * @param steps canary: traffic weights in percent with a pause after each; a pause left out waits
   *     for a manual promote
   * @param canaryInstances canary: how many canary instances (default 1)
   * @param analysis canary: the analysis run after each step below 100%; blue-green: run before
   *     the switch on the requests pinned to the new version ({@code X-DW-Version}); null for none
   * @param scaleDownDelay blue-green: how long the old environment stays up after the switch (the
   *     window for an instant rollback, default 30s)
   */
  public record Strategy(String type, Integer maxSurge, Integer maxUnavailable, String minReady,
      String progressDeadline, List<Step> steps, Integer canaryInstances, Analysis analysis, String scaleDownDelay) {

    /** The strategy type. */
    public Type parsedType() {
      try {
        return Type.valueOf(type.trim().toUpperCase(Locale.ROOT));
      } catch (RuntimeException e) {
        throw DwException.invalidArgument("strategy.type must be rolling, canary or bluegreen, was '" + type + "'");
      }
    }

    /** maxSurge, default 0. */
    public int surge() {
      return maxSurge == null ? 0 : maxSurge;
    }

    /** maxUnavailable, default 1. */
    public int unavailable() {
      return maxUnavailable == null ? 1 : maxUnavailable;
    }

    /** minReady, default 0. */
    public Duration minReadyDuration() {
      return minReady == null ? Duration.ZERO : Durations.parse(minReady);
    }

    /** progressDeadline, default 5 minutes. */
    public Duration progressDeadlineDuration() {
      return progressDeadline == null ? Duration.ofMinutes(5) : Durations.parse(progressDeadline);
    }

    /** scaleDownDelay, default 30 s. */
    public Duration scaleDownDelayDuration() {
      return scaleDownDelay == null ? Duration.ofSeconds(30) : Durations.parse(scaleDownDelay);
    }

    /** canaryInstances, default 1. */
    public int canaries() {
      return canaryInstances == null ? 1 : canaryInstances;
    }
  }

  /** The strategies. */
  public enum Type { ROLLING, CANARY, BLUEGREEN }

  /**
   * One canary step.
   *
   * @param weight the canary's share of traffic in percent (1..100)
   * @param pause how long to hold the step before the analysis, or null to wait for a promote
   */
  public record Step(int weight, String pause) {}

  /**
   * Canary analysis: compares what the canary pool and the baseline pool served during {@code
   * interval}.
   *
   * @param interval how long one analysis measures (default 10s)
   * @param minSamples requests each pool must have served for a verdict (default 50); fewer is
   *     inconclusive
   * @param maxErrorRateIncrease failed if the canary's error rate exceeds the baseline's by more
   *     (default 0.01)
   * @param latencyPercentile the latency quantile compared (default 0.99)
   * @param maxLatencyRatio failed if the canary's latency exceeds the baseline's times this (default
   *     1.5) and by more than {@code latencyToleranceMs}
   * @param latencyToleranceMs absolute latency difference always tolerated (default 5)
   * @param failureLimit failed analyses that abort the rollout (default 1)
   * @param inconclusiveLimit inconclusive analyses in a row before the rollout pauses for a manual
   *     decision (default 3)
   */
  public record Analysis(String interval, Long minSamples, Double maxErrorRateIncrease, Double latencyPercentile,
      Double maxLatencyRatio, Double latencyToleranceMs, Integer failureLimit, Integer inconclusiveLimit) {

    /** interval, default 10 s. */
    public Duration intervalDuration() {
      return interval == null ? Duration.ofSeconds(10) : Durations.parse(interval);
    }

    /** With defaults filled in. */
    public Analysis withDefaults() {
      return new Analysis(interval == null ? "10s" : interval, minSamples == null ? 50L : minSamples,
          maxErrorRateIncrease == null ? 0.01 : maxErrorRateIncrease, latencyPercentile == null ? 0.99 : latencyPercentile,
          maxLatencyRatio == null ? 1.5 : maxLatencyRatio, latencyToleranceMs == null ? 5.0 : latencyToleranceMs,
          failureLimit == null ? 1 : failureLimit, inconclusiveLimit == null ? 3 : inconclusiveLimit);
    }
  }

  /**
   * Parses and validates a spec from YAML (or JSON, which is YAML).
   *
   * @param what names the source in errors
   * @throws DwException INVALID_ARGUMENT naming the field and the bad value
   */
  public static DeploymentSpec parse(String yaml, String what) {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (IOException e) {
      throw DwException.invalidArgument(what + ": not valid YAML: " + e.getMessage());
    }
    return fromTree(tree, what);
  }

  /** Parses and validates a spec from a JSON tree. */
  public static DeploymentSpec fromTree(JsonNode tree, String what) {
    if (tree == null || !tree.isObject()) {
      throw DwException.invalidArgument(what + ": a deployment spec must be a mapping");
    }
    return Json.convert(tree, DeploymentSpec.class, what).validated(what);
  }

  /** This spec, checked; INVALID_ARGUMENT naming the field otherwise. */
  public DeploymentSpec validated(String what) {
    if (service == null || !SERVICE.matcher(service).matches()) {
      throw DwException.invalidArgument(what + ": service must match " + SERVICE.pattern() + ", was '" + service + "'");
    }
    if (version == null || version.name() == null || !VERSION.matcher(version.name()).matches()) {
      throw DwException.invalidArgument(what + ": version.name must match " + VERSION.pattern() + ", was '"
          + (version == null ? null : version.name()) + "'");
    }
    if (version.command() == null || version.command().isEmpty()) {
      throw DwException.invalidArgument(what + ": version.command must list the program and its arguments");
    }
    if (instances < 1 || instances > 64) {
      throw DwException.invalidArgument(what + ": instances must be 1..64, was " + instances);
    }
    if (basePort < 1024 || basePort + 3 * instances + 8 > 65535) {
      throw DwException.invalidArgument(what + ": basePort must be 1024.." + (65535 - 3 * instances - 8) + ", was "
          + basePort);
    }
    if (routerPort != null && (routerPort < 1 || routerPort > 65535)) {
      throw DwException.invalidArgument(what + ": routerPort must be 1..65535, was " + routerPort);
    }
    if (strategy == null) {
      throw DwException.invalidArgument(what + ": strategy is required (type: rolling, canary or bluegreen)");
    }
    Type type = strategy.parsedType();
    strategy.minReadyDuration();
    strategy.progressDeadlineDuration();
    strategy.scaleDownDelayDuration();
    switch (type) {
      case ROLLING -> {
        if (strategy.surge() < 0 || strategy.unavailable() < 0 || strategy.surge() + strategy.unavailable() == 0) {
          throw DwException.invalidArgument(what + ": maxSurge and maxUnavailable must be >= 0 and not both 0, were "
              + strategy.surge() + " and " + strategy.unavailable());
        }
        if (strategy.unavailable() > instances || strategy.surge() > instances) {
          throw DwException.invalidArgument(what + ": maxSurge and maxUnavailable must be <= instances (" + instances
              + "), were " + strategy.surge() + " and " + strategy.unavailable());
        }
      }
      case CANARY -> {
        requireRouter(what, type);
        if (strategy.steps() == null || strategy.steps().isEmpty()) {
          throw DwException.invalidArgument(what + ": a canary needs steps (weights in percent)");
        }
        int last = 0;
        for (Step s : strategy.steps()) {
          if (s.weight() <= last || s.weight() > 100) {
            throw DwException.invalidArgument(what + ": canary step weights must rise within 1..100, got " + s.weight()
                + " after " + last);
          }
          if (s.pause() != null) {
            Durations.parse(s.pause());
          }
          last = s.weight();
        }
        if (strategy.canaries() < 1 || strategy.canaries() > instances) {
          throw DwException.invalidArgument(what + ": canaryInstances must be 1.." + instances + ", was "
              + strategy.canaries());
        }
        checkAnalysis(what);
      }
      case BLUEGREEN -> {
        requireRouter(what, type);
        checkAnalysis(what);
      }
      default -> throw new IllegalStateException(type.name());
    }
    return this;
  }

  private void checkAnalysis(String what) {
    if (strategy.analysis() == null) {
      return;
    }
    Analysis a = strategy.analysis().withDefaults();
    if (a.intervalDuration().isZero() || a.minSamples() < 1 || a.failureLimit() < 1 || a.inconclusiveLimit() < 1
        || a.latencyPercentile() <= 0 || a.latencyPercentile() > 1) {
      throw DwException.invalidArgument(what + ": analysis needs interval > 0, minSamples >= 1, failureLimit >= 1,"
          + " inconclusiveLimit >= 1, 0 < latencyPercentile <= 1; got " + a);
    }
  }

  private void requireRouter(String what, Type type) {
    if (routerPort == null) {
      throw DwException.invalidArgument(what + ": a " + type.name().toLowerCase(Locale.ROOT)
          + " rollout moves traffic: routerPort is required");
    }
  }

  /** The instance id of a slot. */
  public String instanceId(int slot) {
    return service + "-" + slot;
  }

  /** The slot of an instance id of this service. */
  public int slotOf(String instance) {
    return Integer.parseInt(instance.substring(service.length() + 1));
  }

  /** The loopback {@code host:port} of a slot. */
  public String backend(int slot) {
    return "127.0.0.1:" + (basePort + slot);
  }

  /** The supervisor command that starts {@code slot} at this spec's version. */
  public InstanceCommand startCommand(int slot) {
    int port = basePort + slot;
    List<String> cmd = new ArrayList<>();
    for (String a : version.command()) {
      cmd.add(a.replace("${port}", Integer.toString(port)).replace("${instance}", instanceId(slot))
          .replace("${version}", version.name()).replace("${service}", service));
    }
    InstanceCommand.Readiness r = version.readinessPath() != null
        ? new InstanceCommand.Readiness("http://127.0.0.1:" + port + version.readinessPath(), null)
        : new InstanceCommand.Readiness(null, port);
    return new InstanceCommand(instanceId(slot), version.name(), "start", cmd, version.env(), r);
  }
}
