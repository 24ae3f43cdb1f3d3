package io.datawarehouse.streaming;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.streaming.internal.Node;
import io.datawarehouse.streaming.internal.PipelineRunner;
import io.datawarehouse.streaming.internal.PipelineTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A declared stream pipeline: one source, operators, one or more sinks. Build it with {@link
 * #builder(String)}:
 *
 * <pre>{@code
 * Pipeline.Builder b = Pipeline.builder("clicks-per-user");
 * b.source(source, WatermarkStrategy.boundedOutOfOrderness(Duration.ofSeconds(2), Click::ts))
 *     .filter(c -> !c.bot())
 *     .keyBy(Click::user)
 *     .window(WindowSpec.tumbling(Duration.ofMinutes(1)))
 *     .allowedLateness(Duration.ofMinutes(5))
 *     .aggregate(Aggregations.count())
 *     .to(sink);
 * Pipeline p = b.deadLetters(deadLetterSink).build();
 * RunningPipeline running = p.start(RunOptions.defaults().withStateDir(dir));
 * }</pre>
 *
 * <p>A pipeline runs on one task thread that pulls the source and pushes each record through the
 * operators to the sinks; see {@link RunningPipeline}. Immutable once built; its sources and sinks
 * are used by one run at a time.
 */
public final class Pipeline {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

  private final String name;
  private final Node.SourceNode root;
  private final Sink<DeadLetter> deadLetters;

  private Pipeline(String name, Node.SourceNode root, Sink<DeadLetter> deadLetters) {
    this.name = name;
    this.root = root;
    this.deadLetters = deadLetters;
  }

  /**
   * Starts declaring a pipeline.
   *
   * @param name lower-case letters, digits and '-', starting with a letter, at most 64 characters;
   *     it names the state directory, metrics and dead letters
   */
  public static Builder builder(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw DwException.invalidArgument("pipeline name must be lower-case letters, digits and '-',"
          + " starting with a letter, at most 64 characters; was '" + name + "'");
    }
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  /**
   * Starts the pipeline on its own task thread. With a state directory, the last checkpoint in it
   * is restored first (the source seeks back to its position, exactly-once sinks are cut back).
   *
   * @throws DwException INTEGRITY when the checkpoint is corrupt, FAILED_PRECONDITION when it was
   *     written by a pipeline with a different graph
   */
  public RunningPipeline start(RunOptions options) {
    PipelineTask task = new PipelineTask(name, root, deadLetters, options);
    return PipelineRunner.start(task, options);
  }

  /**
   * The pipeline as a task driven by the caller instead of a thread: for tests and for embedding
   * in a loop of one's own. Internal API, not for other modules.
   */
  public PipelineTask newTask(RunOptions options) {
    return new PipelineTask(name, root, deadLetters, options);
  }

  @Override
  public String toString() {
    return "Pipeline[" + name + "]";
  }

  /** Declares a {@link Pipeline}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private Node.SourceNode root;
    private Sink<DeadLetter> deadLetters;
    private int counter;

    private Builder(String name) {
      this.name = name;
    }

    /** The pipeline's source and how its records get event times. Exactly one per pipeline. */
    public <T> Stream<T> source(Source<T> source, WatermarkStrategy<? super T> watermarks) {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(watermarks, "watermarks");
      if (root != null) {
        throw DwException.invalidArgument("pipeline '" + name + "' already has a source; a pipeline has exactly one");
      }
      root = new Node.SourceNode(source, watermarks);
      return new Stream<>(this, root);
    }

    /**
     * Where discarded records go. Default: the durable log {@code deadletters} in the state
     * directory when the run has one, otherwise a WARN log line per record.
     */
    public Builder deadLetters(Sink<DeadLetter> sink) {
      this.deadLetters = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * The pipeline.
     *
     * @throws DwException INVALID_ARGUMENT when there is no source or a branch ends without a sink
     */
    public Pipeline build() {
      if (root == null) {
        throw DwException.invalidArgument("pipeline '" + name + "' has no source: call source(...) first");
      }
      List<String> open = new ArrayList<>();
      findOpenEnds(root, open);
      if (!open.isEmpty()) {
        throw DwException.invalidArgument("pipeline '" + name + "': every branch must end in a sink"
            + " (call to(sink)); these steps have no sink after them: " + open);
      }
      return new Pipeline(name, root, deadLetters);
    }

    String nextName(String kind) {
      return kind + "#" + (++counter);
    }

    private static void findOpenEnds(Node n, List<String> out) {
      if (n instanceof Node.SinkNode) {
        return;
      }
      if (n.children().isEmpty()) {
        out.add(n.name());
      }
      for (Node c : n.children()) {
        findOpenEnds(c, out);
      }
    }
  }
}
