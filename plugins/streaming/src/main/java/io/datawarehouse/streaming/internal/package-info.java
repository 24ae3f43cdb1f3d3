/**
 * How pipelines run; not API. Start with {@link io.datawarehouse.streaming.internal.PipelineTask}
 * (the compiled operator chain and its checkpoints), then the window operators ({@code
 * AlignedWindowOperator}, {@code SessionWindowOperator}) and {@code EnrichOperator}.
 */
package io.datawarehouse.streaming.internal;
