/**
 * Pipelines declared as data (dw.yaml, files, bus requests): start with {@link
 * io.datawarehouse.streaming.spec.PipelineSpec}; {@link io.datawarehouse.streaming.spec.SpecPipelines}
 * builds them.
 */
package io.datawarehouse.streaming.spec;
