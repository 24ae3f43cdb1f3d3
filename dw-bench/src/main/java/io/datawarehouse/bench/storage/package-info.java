/**
 * Storage benchmarks, each beside its baseline in the same run: {@link
 * io.datawarehouse.bench.storage.LocalStoreBenchmark} (the local store vs plain FileChannel) and
 * {@link io.datawarehouse.bench.storage.S3StoreBenchmark} (the s3 store vs the bare AWS SDK on the
 * same S3Mock).
 */
package io.datawarehouse.bench.storage;
