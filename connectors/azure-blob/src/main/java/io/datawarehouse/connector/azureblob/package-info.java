/**
 * The {@code azure-blob} object store of the storage plugin, on azure-storage-blob. Registered as
 * an {@link io.datawarehouse.storage.ObjectStoreProvider}; start with {@link
 * io.datawarehouse.connector.azureblob.AzureBlobStoreProvider} for the options.
 */
package io.datawarehouse.connector.azureblob;
