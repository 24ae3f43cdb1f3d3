/**
 * The tamper-evident ledger as seen from outside: signed {@link
 * io.datawarehouse.tamperproof.ledger.Checkpoint}s, {@link
 * io.datawarehouse.tamperproof.ledger.InclusionProof}s and {@link
 * io.datawarehouse.tamperproof.ledger.ConsistencyProof}s, and {@link
 * io.datawarehouse.tamperproof.ledger.LedgerVerifier}, which checks them with only the log's public
 * key. Start with the verifier.
 */
package io.datawarehouse.tamperproof.ledger;
