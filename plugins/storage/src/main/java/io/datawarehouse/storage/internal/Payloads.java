package io.datawarehouse.storage.internal;

import io.datawarehouse.storage.ObjectInfo;
import io.datawarehouse.storage.RetentionMode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The JSON bodies of the {@code storage.*} topics, field for field as plugins/storage/README.md
 * documents them. Unknown fields are refused (INVALID_ARGUMENT naming the field). Keep stable:
 * other plugins and nodes depend on them.
 */
final class Payloads {
  private Payloads() {}

  /** Continuation of a chunked upload: chunks 0, 1, 2... in order; the one with last=true commits. */
  record Upload(String id, int chunk, boolean last) {}

  /** A retention in a request: retainUntil, or retainDays from now. */
  record RetentionSpec(String mode, Instant retainUntil, Integer retainDays) {}

  /** storage.write and storage.write.worm. */
  record WriteRequest(
      String store,
      String key,
      String contentBase64,
      String path,
      Upload upload,
      String contentType,
      Map<String, String> metadata,
      String expectedSha256,
      RetentionSpec retention,
      Boolean legalHold,
      String action,
      Boolean bypassGovernanceRetention) {}

  /** Progress of a chunked upload (every chunk but the last). */
  record UploadProgress(String uploadId, int receivedChunks, long receivedBytes) {}

  /** storage.read. */
  record ReadRequest(String store, String key, Long offset, Long length, String path) {}

  /** The answer of storage.read. */
  record ReadReply(Info info, long offset, long length, String contentBase64, boolean eof, Long nextOffset, String path) {}

  /** storage.delete and storage.stat. */
  record KeyRequest(String store, String key) {}

  /** The answer of storage.delete. */
  record DeleteReply(String store, String key, boolean deleted) {}

  /** storage.list. */
  record ListRequestBody(String store, String prefix, String delimiter, String pageToken, Integer maxKeys) {}

  /** The answer of storage.list. */
  record ListReply(String store, List<Info> objects, List<String> commonPrefixes, String nextPageToken) {}

  /** storage.query: a database lookup (source, sql...) or an object lookup (store, key). */
  record QueryRequest(String source, String sql, List<Object> params, Integer maxRows, Long timeoutMs,
      String store, String key, Boolean content) {}

  /** The answer of an object lookup through storage.query. */
  record ObjectLookupReply(String store, String key, Info info, String contentBase64) {}

  /** The answer of the WORM state actions. */
  record WormReply(String store, String key, String mode, Instant retainUntil, boolean legalHold) {}

  /** An object's info on the wire. */
  record Info(String store, String key, long size, String sha256, String contentType, Map<String, String> metadata,
      Instant lastModified, String etag, RetentionMode retentionMode, Instant retainUntil, boolean legalHold) {
    static Info of(String store, ObjectInfo o) {
      var r = o.worm().retention();
      return new Info(store, o.key(), o.size(), o.sha256(), o.contentType(), o.metadata(), o.lastModified(), o.etag(),
          r == null ? null : r.mode(), r == null ? null : r.retainUntil(), o.worm().legalHold());
    }
  }
}
