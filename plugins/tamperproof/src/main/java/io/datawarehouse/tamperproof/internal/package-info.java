/**
 * Implementation of the tamperproof plugin; no other module may use it. Start with {@link
 * io.datawarehouse.tamperproof.internal.Ledger} (the append-only entries, the RFC 6962 tree in
 * {@link io.datawarehouse.tamperproof.internal.MerkleTree}, signed checkpoints).
 */
package io.datawarehouse.tamperproof.internal;
