package io.datawarehouse.sdk;

import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the kernel gives a plugin: the bus, its configuration section, its data directory, a
 * metrics registry, the time source and a scheduler. Thread-safe.
 */
public interface PluginContext {

  /** The id of the plugin this context belongs to. */
  String pluginId();

  /** The bus; the only way to reach other plugins. */
  MessageBus bus();

  /** The plugin's validated configuration section. */
  Config config();

  /** {@code <dataDir>/<plugin id>}, created before start. Everything the plugin stores lives here. */
  Path dataDir();

  /**
   * The registry for the plugin's metrics. Name them {@code dw.<plugin id>.<thing>} (see {@link
   * #metricName}) with tags for dimensions; the server exposes them at {@code /metrics}.
   */
  MeterRegistry metrics();

  /** The time source for everything that waits, expires or schedules. */
  Time time();

  /**
   * A shared scheduler for periodic work (health probes, scans). Its threads are few and shared:
   * tasks must be short; hand blocking work to a virtual thread.
   */
  ScheduledExecutorService scheduler();

  /** {@code dw.<plugin id>.<thing>}. */
  default String metricName(String thing) {
    return "dw." + pluginId() + "." + thing;
  }
}
