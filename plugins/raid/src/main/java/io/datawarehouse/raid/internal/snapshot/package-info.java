/** Copy-on-write snapshots ({@link io.datawarehouse.raid.internal.snapshot.SnapshotManager}). */
package io.datawarehouse.raid.internal.snapshot;
