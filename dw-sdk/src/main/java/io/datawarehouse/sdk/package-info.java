/**
 * The DataWarehouse SDK: the contracts every plugin uses. Start with {@link io.datawarehouse.sdk.Plugin}
 * and {@link io.datawarehouse.sdk.PluginContext}; the bus is in {@link io.datawarehouse.sdk.bus},
 * configuration in {@link io.datawarehouse.sdk.config}, errors are {@link io.datawarehouse.sdk.DwException}
 * with an {@link io.datawarehouse.sdk.ErrorCode}, and on-disk helpers are in {@link io.datawarehouse.sdk.io}.
 */
package io.datawarehouse.sdk;
