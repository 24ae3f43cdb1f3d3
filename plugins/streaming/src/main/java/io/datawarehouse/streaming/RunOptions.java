package io.datawarehouse.streaming;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Time;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run a {@link Pipeline}. Immutable.
 *
 * @param stateDir where checkpoints (and the default dead-letter log) live; null for a pipeline
 *     without checkpoints, which restarts from its source's beginning
 * @param time the time source for idle advance, rates and checkpoint scheduling
 * @param checkpointInterval how often to checkpoint keyed state with the source position (wall
 *     time of {@code time}); zero for only at stop and end of input
 * @param batchSize how many records the task pulls from the source at once
 * @param pollWait how long a poll waits for records before the task checks idle advance and
 *     checkpoints
 */
public record RunOptions(Path stateDir, Time time, Duration checkpointInterval, int batchSize, Duration pollWait) {

  public RunOptions {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(checkpointInterval, "checkpointInterval");
    Objects.requireNonNull(pollWait, "pollWait");
    if (checkpointInterval.isNegative()) {
      throw DwException.invalidArgument("checkpointInterval must be >= 0, was " + checkpointInterval);
    }
    if (batchSize < 1 || batchSize > 1 << 20) {
      throw DwException.invalidArgument("batchSize must be in 1..1048576, was " + batchSize);
    }
    if (pollWait.isNegative()) {
      throw DwException.invalidArgument("pollWait must be >= 0, was " + pollWait);
    }
  }

  /** No state directory, system time, checkpoints every 10 s, batches of 1024, polls of 100 ms. */
  public static RunOptions defaults() {
    return new RunOptions(null, Time.SYSTEM, Duration.ofSeconds(10), 1024, Duration.ofMillis(100));
  }

  public RunOptions withStateDir(Path dir) {
    return new RunOptions(dir, time, checkpointInterval, batchSize, pollWait);
  }

  public RunOptions withTime(Time t) {
    return new RunOptions(stateDir, t, checkpointInterval, batchSize, pollWait);
  }

  public RunOptions withCheckpointInterval(Duration interval) {
    return new RunOptions(stateDir, time, interval, batchSize, pollWait);
  }

  public RunOptions withBatchSize(int size) {
    return new RunOptions(stateDir, time, checkpointInterval, size, pollWait);
  }

  public RunOptions withPollWait(Duration wait) {
    return new RunOptions(stateDir, time, checkpointInterval, batchSize, wait);
  }
}
