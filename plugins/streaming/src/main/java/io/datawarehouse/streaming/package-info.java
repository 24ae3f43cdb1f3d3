/**
 * Stream pipelines: start with {@link io.datawarehouse.streaming.Pipeline} (the DSL), then {@link
 * io.datawarehouse.streaming.WindowSpec}, {@link io.datawarehouse.streaming.WatermarkStrategy} and
 * {@link io.datawarehouse.streaming.Aggregations}; a pipeline runs as a {@link
 * io.datawarehouse.streaming.RunningPipeline}. The plugin itself is {@link
 * io.datawarehouse.streaming.StreamingPlugin}.
 */
package io.datawarehouse.streaming;
