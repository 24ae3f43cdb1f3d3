package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.tamperproof.RecordInfo;
import io.datawarehouse.tamperproof.RetentionMode;
import java.io.OutputStream;
import java.time.Instant;

/**
 * Where remote WORM copies go: the storage plugin over the bus ({@link S3WormStorage}, {@link
 * AzureWormStorage}), or, while that is unreachable, the provider pattern's fallback ({@link
 * PendingRemoteCopies}), which only accepts copies and hold / retention changes into the durable
 * journal.
 */
public interface RemoteWormTarget {

  /**
   * Where a copy went.
   *
   * @param location where the copy is (for the REMOTE_COPY ledger entry)
   * @param existed whether the object was there already (a retry after a lost reply): then it has the
   *     hold and retention of that earlier attempt, not necessarily the record's current ones
   */
  record Copy(String location, boolean existed) {}

  /**
   * Writes record {@code r}'s bytes once, with its retention and legal hold; a copy that is already
   * there counts as written.
   *
   * @return where the copy is, or null when it was only journaled (the fallback)
   */
  Copy copy(RecordInfo r) throws Exception;

  /**
   * Sets ({@code on}) or clears the legal hold of {@code r}'s remote copy, which must exist. Setting
   * the state it has changes nothing, so a repeated call is harmless.
   *
   * @return where the copy is, or null when the change was only journaled (the fallback)
   */
  String setLegalHold(RecordInfo r, boolean on) throws Exception;

  /**
   * Extends the retention of {@code r}'s remote copy, which must exist, to {@code until} in {@code
   * mode}. A copy already retained at least that long and that strictly counts as extended (a
   * repeated call, or a governance retention shortened here that the remote keeps).
   *
   * @return where the copy is, or null when the change was only journaled (the fallback)
   */
  String extendRetention(RecordInfo r, RetentionMode mode, Instant until) throws Exception;

  /**
   * Sets the retention of {@code r}'s remote copy, which must exist, to GOVERNANCE until {@code
   * until} with the governance bypass ({@code storage.write.worm} action {@code shorten}, S3's
   * {@code x-amz-bypass-governance-retention}): a governance retention shortened here with the
   * {@code governance-bypass} permission. Setting the date it has changes nothing.
   *
   * @return where the copy is, or null when the change was only journaled (the fallback)
   */
  String shortenRetention(RecordInfo r, Instant until) throws Exception;

  /** Streams the remote copy of {@code r} to {@code out} (not verified: the caller checks the hash). */
  void fetch(RecordInfo r, OutputStream out) throws Exception;

  /** Checks that the remote answers; throws when it does not. */
  void probe() throws Exception;

  /** {@code s3} or {@code azure}. */
  String provider();
}
