/**
 * Pipeline sources and sinks on the message bus: start with {@link
 * io.datawarehouse.streaming.bus.BusStreams}.
 */
package io.datawarehouse.streaming.bus;
