package io.datawarehouse.bus.nats;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageBusFactory;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.Secret;
import io.micrometer.core.instrument.MeterRegistry;

/** {@code bus.type: nats}: found by the kernel with ServiceLoader. */
public final class NatsBusFactory implements MessageBusFactory {
  @Override
  public String type() {
    return "nats";
  }

  @Override
  public MessageBus create(Config c, Time time, MeterRegistry metrics) {
    String url = c.getString("url");
    if (url == null || url.isBlank()) {
      throw DwException.invalidArgument("bus.type is nats but bus.url is not set; e.g. bus.url: nats://127.0.0.1:4222");
    }
    Secret pw = c.getPassword("password");
    Secret token = c.getPassword("token");
    return NatsMessageBus.connect(new NatsMessageBus.Settings(url, c.getString("user"), pw == null ? null : pw.reveal(),
        token == null ? null : token.reveal(), c.getString("name"), c.getDuration("connectTimeout"), c.getInt("queueCapacity"),
        (int) (long) c.getSize("maxPayload"), c.getDuration("drainTimeout")));
  }
}
