package io.datawarehouse.sdk;

import io.datawarehouse.sdk.config.ConfigDef;
import java.util.Set;

/**
 * A plugin: one domain of DataWarehouse (storage, raid, tamperproof...). The kernel finds plugins
 * with {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/io.datawarehouse.sdk.Plugin}), validates each one's configuration
 * section against {@link #configDef()}, starts them in dependency order and stops them in reverse.
 *
 * <p>A plugin talks to others only over {@link PluginContext#bus()}. It keeps everything it stores
 * under {@link PluginContext#dataDir()}.
 *
 * <p>Lifecycle: the kernel calls {@link #start} once, then {@link #health} any number of times from
 * any thread, then {@link #stop} once (also after a failed start, to release what was acquired).
 * A plugin whose start throws is marked DOWN with the cause; the others keep running.
 */
public interface Plugin {

  /**
   * The plugin's id: lower-case letters, digits and '-', starting with a letter ("raid"). It names
   * the configuration section, the data directory and the metrics prefix ({@code dw.<id>.*}).
   */
  String id();

  /** One line saying what the plugin does, for {@code dw health} and the README. */
  default String description() {
    return "";
  }

  /** Ids of plugins that must be running before this one starts; missing ones make this one DOWN. */
  default Set<String> requires() {
    return Set.of();
  }

  /** Ids of plugins to start before this one when they are installed (an ordering hint only). */
  default Set<String> startsAfter() {
    return Set.of();
  }

  /**
   * The keys of this plugin's configuration section. The kernel adds {@code enabled} (boolean,
   * default true) itself.
   */
  default ConfigDef configDef() {
    return ConfigDef.empty();
  }

  /**
   * Starts the plugin: open storage, subscribe to topics, start background work. Should return
   * within seconds; long recovery work continues in the background and shows in {@link #health()}.
   *
   * @throws Exception any failure; the kernel marks the plugin DOWN with it and calls {@link #stop}
   */
  void start(PluginContext context) throws Exception;

  /**
   * Stops the plugin: unsubscribe, finish or checkpoint work in progress, flush and close files.
   * After it returns nothing of the plugin runs and nothing acknowledged is lost.
   */
  default void stop() throws Exception {}

  /** Current health; cheap and non-blocking (report cached state, do not probe here). */
  Health health();
}
