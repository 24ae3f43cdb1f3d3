package io.datawarehouse.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.streaming.log.DurableLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills a separate JVM running a checkpointed pipeline (SIGKILL, no shutdown hook) at several
 * points mid-stream, restarts it each time, and proves the window results equal those of an
 * uninterrupted run: nothing lost, nothing counted twice.
 */
class CrashRecoveryIT {
  private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryIT.class);
  private static final int EVENTS = 40_000;

  @TempDir
  Path tmp;

  @Test
  void killedMidStream_restarted_resultsIdenticalToUninterruptedRun() throws Exception {
    long seed = System.nanoTime();
    LOG.info("seed {}", seed);
    Path input = tmp.resolve("input");
    CrashPipeline.writeInput(input, seed, EVENTS, 80);

    // the uninterrupted run, in this JVM
    Path clean = tmp.resolve("clean");
    try (DurableLog in = DurableLog.open(input);
        DurableLog t = DurableLog.open(clean.resolve("tumbling"));
        DurableLog s = DurableLog.open(clean.resolve("sessions"))) {
      RunningPipeline r = CrashPipeline.build(in, t, s, 0).start(RunOptions.defaults()
          .withStateDir(clean.resolve("state")).withBatchSize(50));
      assertThat(r.await(Duration.ofMinutes(2))).isTrue();
      assertThat(r.state()).isEqualTo(RunningPipeline.State.FINISHED);
      assertThat(r.metrics().drops()).as("the input has records beyond the allowed lateness").isNotEmpty();
    }

    // the killed runs: their own copy of the input
    Path crashed = tmp.resolve("crashed");
    Files.createDirectories(crashed.resolve("input"));
    try (var files = Files.list(input)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, crashed.resolve("input").resolve(f.getFileName()));
      }
    }
    long[] killAt = {EVENTS / 8, EVENTS * 3 / 8, EVENTS * 5 / 8, EVENTS * 7 / 8};
    int resumed = 0;
    for (long at : killAt) {
      Child c = Child.start(crashed);
      long reached = c.awaitPosition(at);
      c.process.destroyForcibly();
      assertThat(c.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      LOG.info("killed at position {} (target {})", reached, at);
      if (c.restoredFromCheckpoint) {
        resumed++;
      }
    }
    Child last = Child.start(crashed);
    last.drain();
    assertThat(last.process.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(last.process.exitValue()).as(String.join("\n", last.lines)).isZero();
    assertThat(last.restoredFromCheckpoint).isTrue();
    assertThat(resumed).as("runs after the first resumed from a checkpoint").isEqualTo(killAt.length - 1);

    assertThat(CrashPipeline.readAll(crashed.resolve("tumbling"))).as("seed " + seed)
        .containsExactlyInAnyOrderElementsOf(CrashPipeline.readAll(clean.resolve("tumbling")));
    assertThat(CrashPipeline.readAll(crashed.resolve("sessions"))).as("seed " + seed)
        .containsExactlyInAnyOrderElementsOf(CrashPipeline.readAll(clean.resolve("sessions")));
    assertThat(deadLetterTimes(crashed.resolve("state"))).as("seed " + seed)
        .containsExactlyInAnyOrderElementsOf(deadLetterTimes(clean.resolve("state")));
  }

  private static List<Long> deadLetterTimes(Path state) {
    List<Long> out = new ArrayList<>();
    Codec<DeadLetter> codec = Codec.json(DeadLetter.class);
    try (DurableLog log = DurableLog.open(state.resolve("deadletters"))) {
      log.read(0, Integer.MAX_VALUE).forEach(e -> out.add(codec.decode(e.payload()).eventTime()));
    }
    assertThat(out).isNotEmpty();
    return out;
  }

  /** A child JVM running {@link CrashPipeline#main}. */
  private static final class Child {
    final Process process;
    final BufferedReader out;
    final List<String> lines = new ArrayList<>();
    boolean restoredFromCheckpoint;

    private Child(Process process) {
      this.process = process;
      this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static Child start(Path root) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
          CrashPipeline.class.getName(), root.toString(), "300");
      pb.redirectErrorStream(true);
      return new Child(pb.start());
    }

    /** Reads output until the source position reaches {@code target}; returns the position. */
    long awaitPosition(long target) throws IOException {
      String line;
      while ((line = out.readLine()) != null) {
        note(line);
        if (line.startsWith("position ")) {
          long p = Long.parseLong(line.substring(9).trim());
          if (p >= target) {
            return p;
          }
        }
        if (line.startsWith("finished") || line.startsWith("failed")) {
          throw new AssertionError("the child ended before position " + target + ": " + line + "\n" + lines);
        }
      }
      throw new AssertionError("the child's output ended before position " + target + ":\n" + String.join("\n", lines));
    }

    void drain() throws IOException {
      String line;
      while ((line = out.readLine()) != null) {
        note(line);
      }
    }

    private void note(String line) {
      if (!line.startsWith("position ")) {
        lines.add(line);
      }
      if (line.contains("restored checkpoint")) {
        restoredFromCheckpoint = true;
      }
    }
  }
}
