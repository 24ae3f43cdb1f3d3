package io.datawarehouse.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline on its own thread: finish, stop, fail, metrics. */
class PipelineRunnerTest {
  @TempDir
  Path dir;

  private static List<Event> events(int n) {
    List<Event> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(new Event("k" + (i % 10), i, 1, i));
    }
    return l;
  }

  @Test
  void boundedSource_runsToFinished_withMetrics() throws Exception {
    Sinks.Collecting<WindowResult<String, Long>> out = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("finite");
    b.source(Sources.of(events(10_000)), WatermarkStrategy.inOrder(Event::ts))
        .keyBy(Event::key).window(WindowSpec.tumbling(Duration.ofMillis(100)))
        .aggregate(Aggregations.<Event>count()).to(out);
    RunningPipeline r = b.build().start(RunOptions.defaults().withStateDir(dir));
    assertThat(r.await(Duration.ofMinutes(1))).isTrue();
    assertThat(r.state()).isEqualTo(RunningPipeline.State.FINISHED);
    assertThat(out.items()).hasSize(100 * 10).allSatisfy(w -> assertThat(w.value()).isEqualTo(10L));
    PipelineMetrics m = r.metrics();
    assertThat(m.recordsIn()).isEqualTo(10_000);
    assertThat(m.recordsOut()).isEqualTo(1_000);
    assertThat(m.watermark()).isEqualTo(Long.MAX_VALUE);
    assertThat(m.checkpoints()).isGreaterThanOrEqualTo(1);
    assertThat(m.sourcePosition()).isEqualTo(10_000);
    assertThat(dir.resolve("checkpoint")).exists();
  }

  @Test
  void queueSource_stop_takesFinalCheckpoint() throws Exception {
    QueueSource<Event> q = Sources.queue(100);
    Sinks.Collecting<Event> out = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("stoppable");
    b.source(q, WatermarkStrategy.inOrder(Event::ts)).to(out);
    RunningPipeline r = b.build().start(RunOptions.defaults().withStateDir(dir).withPollWait(Duration.ofMillis(10)));
    q.put(Event.of("a", 1), Duration.ofSeconds(5));
    await().until(() -> out.items().size() == 1);
    assertThat(r.state()).isEqualTo(RunningPipeline.State.RUNNING);
    assertThat(r.stop(Duration.ofSeconds(30))).isTrue();
    assertThat(r.state()).isEqualTo(RunningPipeline.State.STOPPED);
    assertThat(r.metrics().checkpoints()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void sinkFails_runFails_withCause() throws Exception {
    Pipeline.Builder b = Pipeline.builder("failing");
    b.source(Sources.of(events(3)), WatermarkStrategy.inOrder(Event::ts)).to((e, ts) -> {
      throw new java.io.IOException("target unreachable");
    });
    RunningPipeline r = b.build().start(RunOptions.defaults());
    assertThat(r.await(Duration.ofMinutes(1))).isTrue();
    assertThat(r.state()).isEqualTo(RunningPipeline.State.FAILED);
    assertThat(r.failure()).hasMessageContaining("sink#1 failed to write").hasMessageContaining("target unreachable");
  }
}
