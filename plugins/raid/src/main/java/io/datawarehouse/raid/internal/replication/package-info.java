/** Shipping snapshots over the bus: {@link io.datawarehouse.raid.internal.replication.SnapshotSender} and {@link io.datawarehouse.raid.internal.replication.SnapshotReceiver}. */
package io.datawarehouse.raid.internal.replication;
