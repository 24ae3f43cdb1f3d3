/**
 * The durable local log: start with {@link io.datawarehouse.streaming.log.DurableLog}, an
 * append-only, checksummed, replayable record log that embedded pipelines use as a source and an
 * exactly-once sink.
 */
package io.datawarehouse.streaming.log;
