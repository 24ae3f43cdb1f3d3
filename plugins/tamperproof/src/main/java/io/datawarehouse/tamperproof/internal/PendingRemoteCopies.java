package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.tamperproof.RecordInfo;
import io.datawarehouse.tamperproof.RetentionMode;
import java.io.OutputStream;
import java.time.Instant;

/**
 * The fallback while the remote WORM store is unreachable: a copy "written" here is only the
 * durable journal entry the provider pattern made before calling it (the bytes stay in the local
 * WORM copy, which is immutable), so nothing is held in memory; it is replayed to the real remote
 * when it answers again. Legal hold and retention changes likewise: the journal entry carries the
 * change, replayed in journal order after the copy it follows. Remote reads are UNAVAILABLE.
 */
final class PendingRemoteCopies implements RemoteWormTarget {
  private final String provider;

  PendingRemoteCopies(String provider) {
    this.provider = provider;
  }

  @Override
  public Copy copy(RecordInfo r) {
    return null; // journaled by the caller; no location yet
  }

  @Override
  public String setLegalHold(RecordInfo r, boolean on) {
    return null; // journaled by the caller
  }

  @Override
  public String extendRetention(RecordInfo r, RetentionMode mode, Instant until) {
    return null; // journaled by the caller
  }

  @Override
  public String shortenRetention(RecordInfo r, Instant until) {
    return null; // journaled by the caller
  }

  @Override
  public void fetch(RecordInfo r, OutputStream out) {
    throw DwException.of(ErrorCode.UNAVAILABLE, "the remote WORM store (" + provider + ") is unreachable: the remote copy of "
        + "record " + r.id() + " cannot be read now");
  }

  @Override
  public void probe() {
    throw DwException.of(ErrorCode.UNAVAILABLE, "the fallback is not a remote");
  }

  @Override
  public String provider() {
    return provider;
  }
}
