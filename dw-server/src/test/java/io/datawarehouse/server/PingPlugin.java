package io.datawarehouse.server;

import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.ConfigDef;
import io.micrometer.core.instrument.Counter;

/** A test plugin: answers {@code ping.ping} and counts the pings in {@code dw.ping.pings}. */
public class PingPlugin implements Plugin {
  private Subscription sub;

  @Override
  public String id() {
    return "ping";
  }

  @Override
  public String description() {
    return "answers ping.ping (test plugin)";
  }

  @Override
  public ConfigDef configDef() {
    return ConfigDef.builder().string("reply", "pong", "what to answer").password("apiToken", "a secret for masking tests").build();
  }

  @Override
  public void start(PluginContext ctx) {
    Counter pings = Counter.builder(ctx.metricName("pings")).description("pings answered").register(ctx.metrics());
    String reply = ctx.config().getString("reply");
    sub = ctx.bus().subscribe("ping.ping", m -> {
      pings.increment();
      return Message.replyTo(m).text(reply).build();
    });
  }

  @Override
  public void stop() {
    if (sub != null) {
      sub.unsubscribe();
    }
  }

  @Override
  public Health health() {
    return Health.up("ready to pong");
  }
}
