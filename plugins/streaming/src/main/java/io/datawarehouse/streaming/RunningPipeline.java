package io.datawarehouse.streaming;

import java.time.Duration;

/**
 * A pipeline running on its task thread ({@code dw-stream-<name>}). The thread pulls batches from
 * the source, pushes each record through the operators to the sinks, advances the watermark of a
 * quiet source, and checkpoints at the configured interval. Thread-safe.
 */
public interface RunningPipeline {

  /** The lifecycle of a run. */
  enum State {
    /** Restoring and opening. */
    STARTING,
    /** Processing. */
    RUNNING,
    /** The source ended and every window was flushed and checkpointed. */
    FINISHED,
    /** Stopped on request after a final checkpoint. */
    STOPPED,
    /** A sink, the source or a checkpoint failed; see {@link #failure()}. */
    FAILED
  }

  String name();

  State state();

  /** Why the run failed, or null. */
  Throwable failure();

  /** Counters and rates. */
  PipelineMetrics metrics();

  /**
   * Asks the task to stop, waits for it to take a final checkpoint and close its source and sinks.
   *
   * @return true when it stopped within {@code timeout}
   */
  boolean stop(Duration timeout) throws InterruptedException;

  /**
   * Waits for the run to end (source exhausted, stopped or failed).
   *
   * @return true when it ended within {@code timeout}
   */
  boolean await(Duration timeout) throws InterruptedException;
}
