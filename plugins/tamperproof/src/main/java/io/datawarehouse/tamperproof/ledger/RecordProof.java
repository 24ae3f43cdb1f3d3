package io.datawarehouse.tamperproof.ledger;

import java.util.List;
import java.util.Objects;

/**
 * Everything needed to prove, without the store, that a record was written with a given SHA-256
 * and what its latest state is: the ledger entries that concern it (its WRITE entry first, then the
 * latest entry that changed it when that is another one), each with an inclusion proof, the signed
 * checkpoint they lead to, and the log's public key. Check it with {@link
 * LedgerVerifier#verifyRecord}; ideally with a public key obtained another way than from the proof.
 *
 * @param recordId the record
 * @param sha256 the SHA-256 its WRITE entry states, hex
 * @param checkpoint the signed checkpoint the proofs lead to
 * @param entries the WRITE entry first, then the latest change if different
 * @param publicKey the log's Ed25519 public key, PEM
 */
public record RecordProof(
    String recordId, String sha256, Checkpoint checkpoint, List<EntryProof> entries, String publicKey) {
  public RecordProof {
    Objects.requireNonNull(recordId, "recordId");
    Objects.requireNonNull(checkpoint, "checkpoint");
    entries = List.copyOf(entries);
  }
}
