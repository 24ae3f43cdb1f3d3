package io.datawarehouse.tamperproof.ledger;

import java.util.List;
import java.util.Objects;

/**
 * Proof that the ledger's tree of {@code toSize} entries extends its tree of {@code fromSize}
 * entries without changing any of them (RFC 6962 section 2.1.2): the older checkpoint's entries
 * are a prefix of the newer one's. Check it with {@link LedgerVerifier#verifyConsistency}.
 *
 * @param fromSize size of the older tree
 * @param toSize size of the newer tree
 * @param path the proof's hashes, lower-case hex
 */
public record ConsistencyProof(long fromSize, long toSize, List<String> path) {
  public ConsistencyProof {
    path = List.copyOf(Objects.requireNonNull(path, "path"));
  }
}
