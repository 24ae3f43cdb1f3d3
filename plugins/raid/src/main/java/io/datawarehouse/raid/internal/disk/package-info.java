/** One member disk: on-disk layout, superblock and remap slots, per-block checksums ({@link io.datawarehouse.raid.internal.disk.MemberDisk}). */
package io.datawarehouse.raid.internal.disk;
