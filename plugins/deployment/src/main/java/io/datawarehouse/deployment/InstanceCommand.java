package io.datawarehouse.deployment;

import io.datawarehouse.sdk.DwException;
import java.util.List;
import java.util.Map;

/**
 * The payload of {@code deployment.instance.restart}: start, restart or stop one instance at a
 * version.
 *
 * @param instance the instance id ({@code [A-Za-z0-9._-]+}), unique on the supervisor
 * @param version the version the instance runs after the command
 * @param action {@code restart} (the default: stop if running, then start), {@code start} (no-op
 *     when already running at that version) or {@code stop}
 * @param command the program and its arguments (not needed to stop)
 * @param env extra environment variables, or null
 * @param readiness how to tell that the instance is ready, or null (ready once started)
 */
public record InstanceCommand(String instance, String version, String action, List<String> command,
    Map<String, String> env, Readiness readiness) {

  /** The actions. */
  public enum Action { START, RESTART, STOP }

  /**
   * How readiness is probed: an HTTP URL answering 2xx, or a TCP port on 127.0.0.1 accepting a
   * connection. Neither: ready as soon as the process is alive.
   *
   * @param httpUrl a URL probed with GET, or null
   * @param tcpPort a loopback port probed with a connect, or null
   */
  public record Readiness(String httpUrl, Integer tcpPort) {}

  /** The parsed action; INVALID_ARGUMENT names the bad value. */
  public Action parsedAction() {
    if (action == null || action.isBlank()) {
      return Action.RESTART;
    }
    try {
      return Action.valueOf(action.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw DwException.invalidArgument("instance command action must be start, restart or stop, was '" + action + "'");
    }
  }
}
