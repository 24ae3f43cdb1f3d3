/**
 * Configuration: a component declares its keys once in a {@link io.datawarehouse.sdk.config.ConfigDef}
 * and reads a validated, immutable {@link io.datawarehouse.sdk.config.Config}. Sizes and durations
 * are written as people write them ({@link io.datawarehouse.sdk.config.Sizes}, {@link
 * io.datawarehouse.sdk.config.Durations}); secrets never print ({@link io.datawarehouse.sdk.config.Secret},
 * {@link io.datawarehouse.sdk.config.Secrets}).
 */
package io.datawarehouse.sdk.config;
