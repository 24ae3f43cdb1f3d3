/** The message bus on NATS ({@code bus.type: nats}): start with {@link io.datawarehouse.bus.nats.NatsMessageBus}. */
package io.datawarehouse.bus.nats;
