/**
 * Loading {@code dw.yaml}: {@link io.datawarehouse.kernel.config.KernelConfig} defines the file,
 * {@link io.datawarehouse.kernel.config.ConfigLoader} layers defaults, file, environment and
 * overrides.
 */
package io.datawarehouse.kernel.config;
