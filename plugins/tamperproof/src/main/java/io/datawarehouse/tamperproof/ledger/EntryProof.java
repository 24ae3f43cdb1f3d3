package io.datawarehouse.tamperproof.ledger;

import java.util.Objects;

/**
 * One ledger entry with its inclusion proof.
 *
 * @param index the entry's index (its leaf in the tree)
 * @param entry the entry's exact bytes, base64 (they are JSON: decode to read them)
 * @param proof its inclusion in the checkpoint's tree
 */
public record EntryProof(long index, String entry, InclusionProof proof) {
  public EntryProof {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(proof, "proof");
  }
}
