package io.datawarehouse.streaming.internal;

import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.streaming.DeadLetter;
import io.datawarehouse.streaming.Sink;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The dead-letter sink of a pipeline that declares none. */
final class DefaultDeadLetters {
  private static final Logger LOG = LoggerFactory.getLogger("io.datawarehouse.streaming.deadletters");

  private DefaultDeadLetters() {}

  /** A WARN log line per dead letter, with its JSON. */
  static Sink<DeadLetter> forRun(String pipeline, Path stateDir) {
    return (d, ts) -> LOG.warn("pipeline '{}' dropped a record: {}", pipeline, Json.toString(d));
  }
}
