package io.datawarehouse.tamperproof.ledger;

import java.time.Instant;
import java.util.Objects;

/**
 * A signed statement of the ledger's state: "the log {@code origin} had {@code treeSize} entries
 * whose RFC 6962 tree head was {@code rootHash} at {@code timestamp}", signed with the log's Ed25519
 * key. Anyone holding the public key can check it with {@link LedgerVerifier}; two checkpoints of
 * the same log are linked by a {@link ConsistencyProof}.
 *
 * <p>The signature covers these UTF-8 lines, each ending in {@code \n} (a "signed note" in the style
 * of Certificate Transparency witnesses):
 *
 * <pre>
 *   DataWarehouse tamperproof checkpoint v1
 *   &lt;origin&gt;
 *   &lt;treeSize, decimal&gt;
 *   &lt;rootHash, lower-case hex&gt;
 *   &lt;timestamp, ISO-8601 UTC, e.g. 2026-01-01T00:00:00Z&gt;
 * </pre>
 *
 * @param origin names the log: {@code dw-tamperproof/<log id>}, unique per ledger
 * @param treeSize number of entries covered
 * @param rootHash the tree head, 64 hex characters
 * @param timestamp when the checkpoint was signed (from the trusted clock)
 * @param keyId the first 8 bytes (16 hex characters) of SHA-256 of the public key (X.509 DER)
 * @param signature the Ed25519 signature, hex
 */
public record Checkpoint(
    String origin, long treeSize, String rootHash, Instant timestamp, String keyId, String signature) {

  /** The first line of the signed text. */
  public static final String HEADER = "DataWarehouse tamperproof checkpoint v1";

  public Checkpoint {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(rootHash, "rootHash");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(signature, "signature");
    if (treeSize < 0) {
      throw new IllegalArgumentException("treeSize must be >= 0, was " + treeSize);
    }
  }

  @Override
  public String toString() {
    return "Checkpoint{" + origin + ", size=" + treeSize + ", root=" + rootHash + ", at=" + timestamp
        + ", key=" + keyId + "}";
  }
}
