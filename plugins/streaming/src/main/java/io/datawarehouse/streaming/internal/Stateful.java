package io.datawarehouse.streaming.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * An operator with keyed state that goes into checkpoints. Called on the task thread, between
 * records.
 */
public interface Stateful {

  /** The operator's name in the graph ("window#3"): the key of its state in a checkpoint. */
  String name();

  /** Writes the whole state. */
  void snapshot(DataOutputStream out) throws IOException;

  /**
   * Replaces the state with a snapshot's, taken when the watermark was {@code watermark}.
   *
   * @throws IOException when the snapshot is malformed
   */
  void restore(DataInputStream in, long watermark) throws IOException;
}
