/**
 * The AI memory store. Start at {@link io.datawarehouse.intelligence.memory.PersistenceBackend}
 * (the SPI and its semantics) and {@link io.datawarehouse.intelligence.memory.MemoryService} (how
 * the plugin chooses a backend from configuration, wraps external ones in the provider pattern,
 * and serves the {@code intelligence.memory.*} bus topics). Records and queries are {@link
 * io.datawarehouse.intelligence.memory.MemoryRecord} and {@link
 * io.datawarehouse.intelligence.memory.MemoryQuery}.
 */
package io.datawarehouse.intelligence.memory;
