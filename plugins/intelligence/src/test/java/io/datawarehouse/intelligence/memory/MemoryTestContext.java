package io.datawarehouse.intelligence.memory;

import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;

/** A plugin context for the memory service's tests, with the time they choose. */
public record MemoryTestContext(MessageBus bus, Config config, Path dataDir, Time time, ScheduledExecutorService scheduler,
    MeterRegistry metrics) implements PluginContext {

  public MemoryTestContext(MessageBus bus, Config config, Path dataDir, Time time, ScheduledExecutorService scheduler) {
    this(bus, config, dataDir, time, scheduler, new SimpleMeterRegistry());
  }

  @Override
  public String pluginId() {
    return "intelligence";
  }
}
