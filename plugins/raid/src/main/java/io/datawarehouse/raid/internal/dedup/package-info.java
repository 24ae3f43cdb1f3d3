/** The content-addressed block store behind snapshots ({@link io.datawarehouse.raid.internal.dedup.DedupStore}). */
package io.datawarehouse.raid.internal.dedup;
