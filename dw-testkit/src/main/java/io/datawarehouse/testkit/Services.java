package io.datawarehouse.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The outside services integration tests use, where to find them, and whether they answer.
 *
 * <p>Each service has a default loopback address; {@code DW_TEST_<NAME>_HOST} and {@code
 * DW_TEST_<NAME>_PORT} override it. {@code scripts/test} starts them all before {@code mvn verify}.
 */
public final class Services {
  /** Host and port of a service. */
  public record Endpoint(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  private static final Map<String, Endpoint> KNOWN = new ConcurrentHashMap<>(Map.of(
      "postgres", new Endpoint("127.0.0.1", 5432),
      "mariadb", new Endpoint("127.0.0.1", 3306),
      "redis", new Endpoint("127.0.0.1", 6379),
      "rabbitmq", new Endpoint("127.0.0.1", 5672),
      "mosquitto", new Endpoint("127.0.0.1", 1883),
      "nats", new Endpoint("127.0.0.1", 4222)));

  private Services() {}

  /** Registers another service (for example one a module's script starts) under {@code name}. */
  public static void register(String name, String host, int port) {
    KNOWN.put(name, new Endpoint(host, port));
  }

  /** Where {@code name} runs, with environment overrides applied. */
  public static Endpoint endpoint(String name) {
    Endpoint e = KNOWN.get(name);
    if (e == null) {
      throw new IllegalArgumentException("unknown service '" + name + "'; known: " + KNOWN.keySet());
    }
    String up = name.toUpperCase(Locale.ROOT);
    String host = System.getenv().getOrDefault("DW_TEST_" + up + "_HOST", e.host());
    int port = Integer.parseInt(System.getenv().getOrDefault("DW_TEST_" + up + "_PORT", Integer.toString(e.port())));
    return new Endpoint(host, port);
  }

  /** Whether something accepts TCP connections at {@code name}'s endpoint within 2 seconds. */
  public static boolean isUp(String name) {
    Endpoint e = endpoint(name);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(e.host(), e.port()), 2000);
      return true;
    } catch (IOException ex) {
      return false;
    }
  }

  /** Whether missing services must fail tests (CI) rather than skip them (a developer machine). */
  public static boolean required() {
    return "true".equalsIgnoreCase(System.getenv("DW_REQUIRE_SERVICES")) || "true".equalsIgnoreCase(System.getenv("CI"));
  }
}
