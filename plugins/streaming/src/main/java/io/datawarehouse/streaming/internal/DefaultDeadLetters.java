package io.datawarehouse.streaming.internal;

import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.DeadLetter;
import io.datawarehouse.streaming.Sink;
import io.datawarehouse.streaming.log.DurableLog;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The dead-letter sink of a pipeline that declares none. */
final class DefaultDeadLetters {
  private static final Logger LOG = LoggerFactory.getLogger("io.datawarehouse.streaming.deadletters");
  /** The directory of the default dead-letter log inside a state directory. */
  static final String DIR = "deadletters";

  private DefaultDeadLetters() {}

  /**
   * With a state directory: the durable log {@code <stateDir>/deadletters} (JSON records,
   * exactly-once with the pipeline's checkpoints). Without: a WARN log line per dead letter.
   */
  static Sink<DeadLetter> forRun(String pipeline, Path stateDir) {
    if (stateDir == null) {
      return (d, ts) -> LOG.warn("pipeline '{}' dropped a record: {}", pipeline, Json.toString(d));
    }
    return new Sink<>() {
      private DurableLog log;
      private Sink<DeadLetter> sink;

      @Override
      public void open(String name) {
        log = DurableLog.open(stateDir.resolve(DIR));
        sink = log.sink(Codec.json(DeadLetter.class));
      }

      @Override
      public void write(DeadLetter value, long timestamp) throws Exception {
        sink.write(value, timestamp);
      }

      @Override
      public void flush() throws Exception {
        sink.flush();
      }

      @Override
      public long position() {
        return sink.position();
      }

      @Override
      public void rewind(long position) throws Exception {
        sink.rewind(position);
      }

      @Override
      public void close() {
        if (log != null) {
          log.close();
        }
      }
    };
  }
}
