/**
 * Approximate nearest-neighbour search. Start at {@link io.datawarehouse.intelligence.vector.HnswIndex}
 * (its class comment explains the algorithm, concurrency, deletes and the file format) and
 * {@link io.datawarehouse.intelligence.vector.HnswConfig}. The distance kernels (Vector API with a
 * scalar fallback) are in {@code internal}.
 */
package io.datawarehouse.intelligence.vector;
