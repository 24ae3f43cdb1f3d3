package io.datawarehouse.intelligence;

import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.testkit.ManualTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** A plugin context for tests, until the kernel can start plugins on main. */
public record TestContext(MessageBus bus, Config config, Path dataDir, ScheduledExecutorService scheduler)
    implements PluginContext {

  public static TestContext of(MessageBus bus, Config config, Path dataDir) {
    return new TestContext(bus, config, dataDir, Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("intelligence-test-scheduler").daemon().factory()));
  }

  @Override
  public String pluginId() {
    return "intelligence";
  }

  @Override
  public MeterRegistry metrics() {
    return new SimpleMeterRegistry();
  }

  @Override
  public Time time() {
    return new ManualTime();
  }
}
