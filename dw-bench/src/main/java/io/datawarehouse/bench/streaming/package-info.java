/** Streaming benchmarks: the tumbling-count pipeline beside a plain loop, enrichment beside bounded direct requests. */
package io.datawarehouse.bench.streaming;
