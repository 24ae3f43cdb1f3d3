/**
 * The dataprotection plugin: encrypted, deduplicated, verified backups. Start at
 * {@link io.datawarehouse.dataprotection.BackupRepository} (init, open, backup, restore, validate,
 * forget, prune); {@link io.datawarehouse.dataprotection.DataProtectionPlugin} serves it on the bus.
 */
package io.datawarehouse.dataprotection;
