/** The array engine: assembly, read/write paths, rebuild, scrub ({@link io.datawarehouse.raid.internal.array.ArrayEngine}), stripe layout and the write-intent bitmap. */
package io.datawarehouse.raid.internal.array;
