/**
 * The storage plugin's public API: the {@link io.datawarehouse.storage.ObjectStore} SPI that every
 * object store implements (the built-in {@code local} store and the connectors' {@code s3} and
 * {@code azure-blob} stores), its value types, and {@link
 * io.datawarehouse.storage.ObjectStoreProvider}, the {@link java.util.ServiceLoader} entry point
 * that connectors register.
 *
 * <p>Start with {@link io.datawarehouse.storage.ObjectStore}; its contract is tested by the
 * abstract {@code ObjectStoreContractTest} in this module's test jar, which every store's test
 * extends. Database lookups live in {@link io.datawarehouse.storage.query}.
 */
package io.datawarehouse.storage;
