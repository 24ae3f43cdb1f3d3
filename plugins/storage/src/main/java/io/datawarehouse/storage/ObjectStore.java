package io.datawarehouse.storage;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Health;
import java.io.InputStream;

/**
 * A store of objects by key: the local disk, an S3 bucket, an Azure Blob container. The one
 * contract every store passes is the abstract {@code ObjectStoreContractTest} of this module's
 * test jar.
 *
 * <p>Keys follow {@link ObjectKeys}; a bad key is INVALID_ARGUMENT before anything is touched. A
 * put is all-or-nothing: after a failure or a crash a reader sees the old object or none, never
 * part of the new one. Every put computes the SHA-256 of the content on the way and returns it;
 * full reads are verified against it (see {@link ObjectContent}).
 *
 * <p>Errors are {@link DwException}s: NOT_FOUND, INVALID_ARGUMENT, RETENTION_LOCKED (WORM),
 * INTEGRITY (a verification failed), UNAVAILABLE (the backend cannot be reached; retriable),
 * UNSUPPORTED (the backend lacks the feature; the message says why).
 *
 * <p>Implementations are thread-safe; calls block (use virtual threads).
 */
public interface ObjectStore extends AutoCloseable {

  /** The configured name of this store ("default", "archive"). */
  String name();

  /** The store type ("local", "s3", "azure-blob"). */
  String type();

  /**
   * Writes {@code content} (read to its end, not closed) under {@code key}, replacing an existing
   * object unless that one is WORM-locked.
   *
   * @param sizeHint the content length when known, or -1; stores use it to choose single or
   *     multi-part upload, never trust it over the stream
   * @return the new object's info, with the SHA-256 computed on the way
   * @throws DwException RETENTION_LOCKED when the existing object is locked; INTEGRITY when
   *     {@link PutOptions#expectedSha256()} does not match (nothing is stored); UNSUPPORTED when
   *     WORM options are given to a store without WORM
   */
  ObjectInfo put(String key, InputStream content, long sizeHint, PutOptions options);

  /**
   * Opens {@code key} for reading: the whole object when {@code range} is null.
   *
   * @throws DwException NOT_FOUND; INVALID_ARGUMENT for a range that starts past the end
   */
  ObjectContent get(String key, ByteRange range);

  /**
   * The info of {@code key}.
   *
   * @throws DwException NOT_FOUND
   */
  ObjectInfo stat(String key);

  /**
   * Deletes {@code key}.
   *
   * @return false when there was no such object
   * @throws DwException RETENTION_LOCKED when it is locked
   */
  boolean delete(String key);

  /** One page of a listing. */
  ListPage list(ListRequest request);

  /**
   * The WORM operations.
   *
   * @throws DwException UNSUPPORTED when this store has none (the message says why)
   */
  default Worm worm() {
    throw DwException.unsupported("store '" + name() + "' (" + type() + ") has no WORM support");
  }

  /**
   * Probes the backend now (a cheap request) and returns its health. May block up to the store's
   * timeout; the plugin calls it from a background probe, never on the caller's thread.
   */
  Health probe();

  /** Releases connections and threads. Idempotent. */
  @Override
  void close();
}
