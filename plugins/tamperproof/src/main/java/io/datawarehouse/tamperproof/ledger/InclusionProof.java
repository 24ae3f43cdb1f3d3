package io.datawarehouse.tamperproof.ledger;

import java.util.List;
import java.util.Objects;

/**
 * Proof that the entry at {@code leafIndex} is in the ledger's tree of {@code treeSize} entries:
 * the audit path of RFC 6962 section 2.1.1, sibling hashes from the leaf up. Check it with {@link
 * LedgerVerifier#verifyInclusion}.
 *
 * @param leafIndex zero-based index of the entry
 * @param treeSize size of the tree the path leads to (a checkpoint's size)
 * @param path sibling hashes, lower-case hex, bottom-up
 */
public record InclusionProof(long leafIndex, long treeSize, List<String> path) {
  public InclusionProof {
    path = List.copyOf(Objects.requireNonNull(path, "path"));
  }
}
