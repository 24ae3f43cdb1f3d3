/**
 * The bus contract: start with {@link io.datawarehouse.sdk.bus.MessageBus}, then {@link
 * io.datawarehouse.sdk.bus.Message} and {@link io.datawarehouse.sdk.bus.Topics} for topic names and
 * wildcard patterns.
 */
package io.datawarehouse.sdk.bus;
