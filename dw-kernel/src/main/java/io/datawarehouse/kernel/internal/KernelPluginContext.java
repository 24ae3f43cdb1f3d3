package io.datawarehouse.kernel.internal;

import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;

/** The kernel's {@link PluginContext}: plain values. */
public record KernelPluginContext(
    String pluginId,
    MessageBus bus,
    Config config,
    Path dataDir,
    MeterRegistry metrics,
    Time time,
    ScheduledExecutorService scheduler) implements PluginContext {}
