package io.datawarehouse.streaming.internal;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.streaming.PipelineMetrics;
import io.datawarehouse.streaming.RunOptions;
import io.datawarehouse.streaming.RunningPipeline;
import io.datawarehouse.streaming.Source;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link PipelineTask} on its own platform thread {@code dw-stream-<name>}: poll a batch,
 * process it, checkpoint when the interval has passed (and after an idle advance, so a replay
 * never crosses one), until the source ends, {@link #stop} is called or something fails. A stop
 * takes a final checkpoint; a failure takes none (the last good checkpoint stays the restart
 * point).
 */
public final class PipelineRunner implements RunningPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineRunner.class);

  private final PipelineTask task;
  private final Time time;
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile State state = State.STARTING;
  private volatile boolean stopRequested;
  private volatile Throwable failure;
  private final Thread thread;
  // rate sampling, guarded by this
  private long sampleNanos;
  private long sampleIn;
  private long sampleOut;
  private double inRate;
  private double outRate;

  private PipelineRunner(PipelineTask task, RunOptions options) {
    this.task = task;
    this.time = options.time();
    this.sampleNanos = time.nanoTime();
    this.thread = new Thread(this::run, "dw-stream-" + task.name());
  }

  /** Starts {@code task} on a new thread. */
  public static RunningPipeline start(PipelineTask task, RunOptions options) {
    PipelineRunner r = new PipelineRunner(task, options);
    r.thread.start();
    return r;
  }

  private void run() {
    long intervalMillis = task.options().checkpointInterval().toMillis();
    try (task) {
      task.open();
      state = State.RUNNING;
      long lastCheckpoint = time.currentTimeMillis();
      while (!stopRequested) {
        long wmBefore = task.watermark();
        int n = task.pollOnce();
        if (n == Source.END) {
          task.checkpoint();
          state = State.FINISHED;
          LOG.info("pipeline '{}' finished: {} records in, {} out", task.name(), task.metrics().in(), task.metrics().out());
          return;
        }
        long now = time.currentTimeMillis();
        boolean idleAdvance = n == 0 && task.watermark() != wmBefore;
        if (idleAdvance || (intervalMillis > 0 && now - lastCheckpoint >= intervalMillis)) {
          task.checkpoint();
          lastCheckpoint = now;
        }
      }
      task.checkpoint();
      state = State.STOPPED;
      LOG.info("pipeline '{}' stopped after a final checkpoint", task.name());
    } catch (Throwable t) {
      failure = t;
      state = State.FAILED;
      LOG.error("pipeline '{}' failed; it restarts from its last checkpoint: {}", task.name(), t.toString(), t);
    } finally {
      if (state == State.RUNNING || state == State.STARTING) {
        state = failure != null ? State.FAILED : State.STOPPED;
      }
      done.countDown();
    }
  }

  @Override
  public String name() {
    return task.name();
  }

  @Override
  public State state() {
    return state;
  }

  @Override
  public Throwable failure() {
    return failure;
  }

  @Override
  public boolean stop(Duration timeout) throws InterruptedException {
    stopRequested = true;
    return await(timeout);
  }

  @Override
  public boolean await(Duration timeout) throws InterruptedException {
    return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public synchronized PipelineMetrics metrics() {
    TaskMetrics m = task.metrics();
    long now = time.nanoTime();
    long in = m.in();
    long out = m.out();
    long elapsed = now - sampleNanos;
    if (elapsed >= 1_000_000_000L) {
      inRate = (in - sampleIn) * 1e9 / elapsed;
      outRate = (out - sampleOut) * 1e9 / elapsed;
      sampleNanos = now;
      sampleIn = in;
      sampleOut = out;
    }
    long wm = m.watermark();
    long lag = wm == Long.MIN_VALUE || wm == Long.MAX_VALUE ? -1 : Math.max(0, time.currentTimeMillis() - wm);
    return new PipelineMetrics(task.name(), state, in, out, inRate, outRate, wm, lag, m.enrichmentsInFlight(),
        m.enrichmentCapacity(), m.drops(), (m.backpressureNanos() + task.sourceBackpressureNanos()) / 1_000_000, m.checkpoints(), m.sourcePosition());
  }
}
