/**
 * Benchmarks of the tamperproof plugin, each beside its baseline in the same run: {@link
 * io.datawarehouse.bench.tamperproof.WormWriteBenchmark} (durable writes vs FileChannel + force)
 * and {@link io.datawarehouse.bench.tamperproof.WormVerifyBenchmark} (verified reads vs SHA-256).
 */
package io.datawarehouse.bench.tamperproof;
