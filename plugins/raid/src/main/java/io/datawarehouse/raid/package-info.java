/**
 * The raid plugin: RAID arrays over file-backed disks. Start with {@link io.datawarehouse.raid.RaidArray}
 * ({@link io.datawarehouse.raid.ArraySpec} to create one), {@link io.datawarehouse.raid.BlockDevice} for
 * the disk layer, {@link io.datawarehouse.raid.RaidPlugin} for the bus, and {@link
 * io.datawarehouse.raid.codec.ErasureCodec} for the erasure codes alone.
 */
package io.datawarehouse.raid;
