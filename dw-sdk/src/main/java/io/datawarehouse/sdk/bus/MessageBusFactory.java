package io.datawarehouse.sdk.bus;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Config;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Creates a {@link MessageBus} of one kind, chosen by the {@code bus.type} configuration key.
 * Found with {@link java.util.ServiceLoader}; the kernel provides {@code inprocess}, dw-bus-nats
 * provides {@code nats}.
 */
public interface MessageBusFactory {

  /** The value of {@code bus.type} that selects this factory ("nats"). */
  String type();

  /**
   * Creates and connects a bus.
   *
   * @param busConfig the validated {@code bus} section (keys: type, url, user, password, token,
   *     queueCapacity, publishTimeout, maxPayload, drainTimeout, connectTimeout, name)
   * @throws io.datawarehouse.sdk.DwException UNAVAILABLE when the bus cannot be reached,
   *     INVALID_ARGUMENT when the configuration does not fit this bus
   */
  MessageBus create(Config busConfig, Time time, MeterRegistry metrics);
}
