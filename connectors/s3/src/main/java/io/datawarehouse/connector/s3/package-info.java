/**
 * The {@code s3} object store of the storage plugin, on the AWS SDK v2: Amazon S3 and
 * S3-compatible services. Registered as an {@link io.datawarehouse.storage.ObjectStoreProvider};
 * start with {@link io.datawarehouse.connector.s3.S3StoreProvider} for the options.
 */
package io.datawarehouse.connector.s3;
