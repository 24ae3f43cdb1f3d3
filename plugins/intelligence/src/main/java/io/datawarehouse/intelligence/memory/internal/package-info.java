/**
 * Implementation of the memory store: the {@code rocksdb} backend ({@link
 * io.datawarehouse.intelligence.memory.internal.RocksDbBackend}, start there), the {@code memory}
 * backend, the record codec and the provider-pattern adapter. Not for use by other modules.
 */
package io.datawarehouse.intelligence.memory.internal;
