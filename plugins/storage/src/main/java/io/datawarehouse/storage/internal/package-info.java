/**
 * The storage plugin itself: {@link io.datawarehouse.storage.internal.StoragePlugin} (lifecycle,
 * configuration, health) and {@link io.datawarehouse.storage.internal.StorageService} (the
 * handlers of the {@code storage.*} topics; payloads in {@link
 * io.datawarehouse.storage.internal.Payloads}, documented in the plugin's README). Not API.
 */
package io.datawarehouse.storage.internal;
