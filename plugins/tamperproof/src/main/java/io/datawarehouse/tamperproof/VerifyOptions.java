package io.datawarehouse.tamperproof;

import io.datawarehouse.tamperproof.ledger.Checkpoint;
import java.security.PublicKey;

/**
 * What an offline verification trusts and checks.
 *
 * @param trustedKey the ledger's public key obtained elsewhere (null: the store's own key files)
 * @param trustedCheckpoint a checkpoint kept elsewhere, to catch a ledger rewritten and re-signed
 *     with a stolen key (null: none)
 * @param recordId check only this record's bytes (the ledger is always checked whole); null for all
 * @param bytesPerSecond how fast record bytes may be read; {@link Long#MAX_VALUE} for no limit
 * @param progress progress receiver, or null
 */
public record VerifyOptions(
    PublicKey trustedKey, Checkpoint trustedCheckpoint, String recordId, long bytesPerSecond, ScanProgress progress) {

  /** Everything, with the store's own key, unlimited. */
  public static VerifyOptions all() {
    return new VerifyOptions(null, null, null, Long.MAX_VALUE, null);
  }

  /** One record, with the store's own key, unlimited. */
  public static VerifyOptions record(String id) {
    return new VerifyOptions(null, null, id, Long.MAX_VALUE, null);
  }
}
