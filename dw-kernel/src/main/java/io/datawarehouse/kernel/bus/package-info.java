/** The in-process message bus: start with {@link io.datawarehouse.kernel.bus.InProcessMessageBus}. */
package io.datawarehouse.kernel.bus;
