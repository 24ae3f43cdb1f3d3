/**
 * The kernel: start with {@link io.datawarehouse.kernel.Kernel}. The in-process bus is in {@link
 * io.datawarehouse.kernel.bus}, configuration loading in {@link io.datawarehouse.kernel.config}.
 */
package io.datawarehouse.kernel;
