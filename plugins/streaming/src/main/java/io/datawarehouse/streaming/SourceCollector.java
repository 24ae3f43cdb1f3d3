package io.datawarehouse.streaming;

/**
 * Receives the records a {@link Source} polls. Called on the pipeline's task thread.
 *
 * @param <T> the record type
 */
public interface SourceCollector<T> {

  /** One record. */
  void accept(T record);

  /**
   * A payload that could not be turned into a record (it does not decode, it fails validation):
   * it goes to the dead letters with reason {@link DropReason#BAD_PAYLOAD}.
   *
   * @param payload the raw bytes as received
   * @param problem what is wrong with it
   */
  void reject(byte[] payload, String problem);
}
