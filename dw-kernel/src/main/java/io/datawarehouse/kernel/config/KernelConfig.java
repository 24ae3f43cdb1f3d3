package io.datawarehouse.kernel.config;

import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;
import java.util.Collection;
import java.util.Map;

/** The definition of {@code dw.yaml}: kernel keys, the bus, extra sections, and one section per plugin. */
public final class KernelConfig {
  /** The default data directory, relative to the working directory. */
  public static final String DEFAULT_DATA_DIR = "./dw-data";

  private KernelConfig() {}

  /** The {@code bus} section. */
  public static ConfigDef busDef() {
    return ConfigDef.builder()
        .define("type", ConfigDef.Type.STRING, "inprocess", Validators.nonBlank(),
            "which bus: inprocess (one kernel) or nats (several kernels; needs url)")
        .string("url", null, "server URL of a networked bus, e.g. nats://127.0.0.1:4222 (several: comma-separated)")
        .string("user", null, "user name for a networked bus")
        .password("password", "password for a networked bus")
        .password("token", "token for a networked bus")
        .string("name", "dw", "connection name shown by a networked bus server")
        .integer("queueCapacity", 8192, Validators.range(1, 1 << 24), "messages a subscription may have waiting before publishers wait")
        .duration("publishTimeout", "10s", "how long a publisher waits for room in a full queue before it fails")
        .size("maxPayload", "1MiB", Validators.range(1, 64L << 20), "largest message payload; larger data moves by reference or in chunks")
        .duration("drainTimeout", "10s", "how long shutdown waits for queued messages to be handled")
        .duration("connectTimeout", "5s", "how long to wait for a networked bus at start")
        .build();
  }

  /** The {@code kernel} section. */
  public static ConfigDef kernelDef() {
    return ConfigDef.builder()
        .duration("startTimeout", "60s", "how long one plugin may take to start before it is marked DOWN")
        .duration("stopTimeout", "30s", "how long one plugin may take to stop")
        .build();
  }

  /** The keys every plugin section has in addition to the plugin's own. */
  public static ConfigDef pluginCommonDef() {
    return ConfigDef.builder().bool("enabled", true, "start this plugin").build();
  }

  /**
   * The whole file.
   *
   * @param plugins installed plugins; each gets a section named by its id
   * @param extraSections sections of the embedding application (the server's {@code server})
   */
  public static ConfigDef rootDef(Collection<? extends Plugin> plugins, Map<String, ConfigDef> extraSections) {
    ConfigDef.Builder b = ConfigDef.builder()
        .string("dataDir", DEFAULT_DATA_DIR, "where every plugin keeps its data (one subdirectory each)")
        .section("kernel", kernelDef(), "plugin lifecycle")
        .section("bus", busDef(), "the message bus");
    extraSections.forEach((name, def) -> b.section(name, def, "the " + name + " section"));
    for (Plugin p : plugins) {
      ConfigDef def = p.configDef().key("enabled") == null ? p.configDef().merge(pluginCommonDef()) : p.configDef();
      b.section(p.id(), def, p.description().isEmpty() ? "the " + p.id() + " plugin" : p.description());
    }
    return b.build();
  }
}
