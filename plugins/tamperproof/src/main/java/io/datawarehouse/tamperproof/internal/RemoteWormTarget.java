package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.tamperproof.RecordInfo;
import java.io.OutputStream;

/**
 * Where remote WORM copies go: the storage plugin over the bus ({@link S3WormStorage}, {@link
 * AzureWormStorage}), or, while that is unreachable, the provider pattern's fallback ({@link
 * PendingRemoteCopies}), which only accepts copies into the durable journal.
 */
public interface RemoteWormTarget {

  /**
   * Writes record {@code r}'s bytes once, with its retention and legal hold; a copy that is already
   * there counts as written.
   *
   * @return where the copy is (for the REMOTE_COPY ledger entry)
   */
  String copy(RecordInfo r) throws Exception;

  /** Streams the remote copy of {@code r} to {@code out} (not verified: the caller checks the hash). */
  void fetch(RecordInfo r, OutputStream out) throws Exception;

  /** Checks that the remote answers; throws when it does not. */
  void probe() throws Exception;

  /** {@code s3} or {@code azure}. */
  String provider();
}
