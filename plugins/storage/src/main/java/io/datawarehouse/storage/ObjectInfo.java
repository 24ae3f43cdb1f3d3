package io.datawarehouse.storage;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What a store knows about one object.
 *
 * @param key the object's key
 * @param size its length in bytes
 * @param sha256 lower-case hex SHA-256 of the content, or null where the store holds none (an S3
 *     object written by another tool)
 * @param contentType the media type given at put
 * @param metadata user metadata given at put (see {@link PutOptions#metadata()})
 * @param lastModified when the object was written
 * @param etag the store's own entity tag or version id, opaque
 * @param worm its WORM state ({@link WormState#NONE} when none)
 */
public record ObjectInfo(
    String key,
    long size,
    String sha256,
    String contentType,
    Map<String, String> metadata,
    Instant lastModified,
    String etag,
    WormState worm) {
  public ObjectInfo {
    Objects.requireNonNull(key, "key");
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    worm = worm == null ? WormState.NONE : worm;
  }
}
