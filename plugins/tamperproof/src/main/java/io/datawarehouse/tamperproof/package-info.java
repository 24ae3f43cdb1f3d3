/**
 * The tamperproof plugin: write-once records with retention (COMPLIANCE / GOVERNANCE) and legal
 * hold, over a tamper-evident RFC 6962 ledger with signed checkpoints. Start with {@link
 * io.datawarehouse.tamperproof.TamperProofStore} (the engine, also used by {@code dw worm}) and
 * {@link io.datawarehouse.tamperproof.TamperProofConfig}; proofs and their verifier are in {@link
 * io.datawarehouse.tamperproof.ledger}.
 */
package io.datawarehouse.tamperproof;
