package io.datawarehouse.kernel;

import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;

/** Listed in the test META-INF/services so the kernel's discovery can be tested. */
public class DiscoverablePlugin implements Plugin {
  @Override
  public String id() {
    return "discoverable";
  }

  @Override
  public void start(PluginContext context) {
    // nothing to start
  }

  @Override
  public Health health() {
    return Health.up();
  }
}
