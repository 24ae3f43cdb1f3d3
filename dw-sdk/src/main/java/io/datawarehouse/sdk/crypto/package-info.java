/**
 * The crypto facade of DataWarehouse: a few hard-to-misuse operations on the JDK's vetted
 * primitives ({@code javax.crypto}, {@code java.security}); no home-made cipher modes.
 *
 * <p>Where to start:
 *
 * <ul>
 *   <li>{@link io.datawarehouse.sdk.crypto.AeadKey}: a 256-bit key and its public {@link
 *       io.datawarehouse.sdk.crypto.KeyId}; a {@link io.datawarehouse.sdk.crypto.Keyring} is a
 *       primary key plus older ones (rotation without re-encryption).
 *   <li>{@link io.datawarehouse.sdk.crypto.Aead}: AES-256-GCM for small payloads (records,
 *       journal entries), random nonces, key id in a versioned header, associated data.
 *   <li>{@link io.datawarehouse.sdk.crypto.StreamingAead}: AES-256-GCM in chunks for files and
 *       archives (the STREAM construction; its class comment explains the nonce scheme and what it
 *       detects): {@code OutputStream}/{@code InputStream} wrappers and a random-access {@code
 *       SeekableByteChannel} over a channel, a file or a buffer in memory.
 *   <li>{@link io.datawarehouse.sdk.crypto.Sha256} for content addresses; {@link
 *       io.datawarehouse.sdk.crypto.Hmac} with an {@link io.datawarehouse.sdk.crypto.HmacKey} for
 *       signatures, verified in constant time.
 *   <li>{@link io.datawarehouse.sdk.crypto.PassphraseKdf}: keys from passphrases
 *       (PBKDF2-HMAC-SHA256, at least 600,000 iterations, parameters stored beside the data).
 *   <li>{@link io.datawarehouse.sdk.crypto.KeyFile}: data keys on disk, wrapped under one or more
 *       passphrases or raw keys; passphrase change and key rotation without re-encrypting data.
 * </ul>
 *
 * <p><b>Errors</b> are {@link io.datawarehouse.sdk.DwException}s:
 *
 * <ul>
 *   <li>INTEGRITY: data that fails authentication or verification: a ciphertext altered,
 *       truncated, extended, reordered, under another key or other associated data; a signature
 *       mismatch; a corrupt or altered key file. No plaintext of an unauthenticated chunk or
 *       message is ever returned.
 *   <li>PERMISSION_DENIED: a passphrase or key that opens no slot of a {@code KeyFile} (a wrong
 *       passphrase). Chosen over INTEGRITY because nothing is damaged: the caller lacks the
 *       secret, and a CLI can say so and ask again.
 *   <li>INVALID_ARGUMENT: a bad key length, chunk size, iteration count, label or empty passphrase.
 *   <li>FAILED_PRECONDITION: a destroyed key or closed key file was used; removing the last slot or
 *       the primary data key.
 *   <li>CONFLICT: a key file changed on disk since it was unlocked.
 * </ul>
 *
 * <p><b>Secrets.</b> Key bytes and passphrases never appear in {@code toString}, exception
 * messages, logs or metrics (this package logs nothing and records no metrics). Keys print as their
 * {@link io.datawarehouse.sdk.crypto.KeyId}; the only exports are masked {@link
 * io.datawarehouse.sdk.config.Secret}s; keys are {@link javax.security.auth.Destroyable} (wiping is
 * best effort on the JVM).
 */
package io.datawarehouse.sdk.crypto;
