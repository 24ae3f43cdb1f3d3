package io.datawarehouse.streaming;

import java.util.Map;

/**
 * A snapshot of a pipeline's counters.
 *
 * @param pipeline the pipeline's name
 * @param state its run state
 * @param recordsIn records taken from the source
 * @param recordsOut results written to the sinks
 * @param inPerSecond records in per second over the last interval (about one second)
 * @param outPerSecond results out per second over the last interval
 * @param watermark the current watermark, epoch ms ({@link Long#MIN_VALUE} before the first record)
 * @param watermarkLagMillis wall time minus the watermark, or -1 before the first record
 * @param enrichmentsInFlight enrichment lookups under way
 * @param enrichmentCapacity how many may be under way at most (0 without enrichment)
 * @param drops dead letters by reason
 * @param backpressureMillis time producers spent waiting for room in the pipeline's queues
 * @param checkpoints checkpoints taken by this run
 * @param sourcePosition the source's position
 */
public record PipelineMetrics(
    String pipeline,
    RunningPipeline.State state,
    long recordsIn,
    long recordsOut,
    double inPerSecond,
    double outPerSecond,
    long watermark,
    long watermarkLagMillis,
    int enrichmentsInFlight,
    int enrichmentCapacity,
    Map<DropReason, Long> drops,
    long backpressureMillis,
    long checkpoints,
    long sourcePosition) {

  /** Dead letters of every reason. */
  public long dropped() {
    return drops.values().stream().mapToLong(Long::longValue).sum();
  }
}
