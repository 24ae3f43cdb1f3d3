/**
 * Lookups for {@code storage.query}: the {@link io.datawarehouse.storage.query.QuerySource} SPI
 * that connectors implement (JDBC databases through {@code dw-connector-jdbc}), its request and
 * result types, and {@link io.datawarehouse.storage.query.QuerySourceProvider}, found with
 * {@link java.util.ServiceLoader} and chosen by the source's URL.
 */
package io.datawarehouse.storage.query;
