package io.datawarehouse.storage;

import io.datawarehouse.sdk.DwException;

/**
 * One page of a listing, in the byte order of the keys' UTF-8 encoding (as S3).
 *
 * @param prefix only keys that start with it ("" for all)
 * @param delimiter when not null, keys with the delimiter after the prefix are rolled up into
 *     common prefixes (one entry per "directory"), as S3 does with "/"
 * @param pageToken the {@link ListPage#nextPageToken()} of the previous page, or null for the first
 * @param maxKeys at most this many entries (objects plus common prefixes), 1..1000
 */
public record ListRequest(String prefix, String delimiter, String pageToken, int maxKeys) {
  /** Default and largest page size. */
  public static final int MAX_KEYS = 1000;

  public ListRequest {
    prefix = prefix == null ? "" : prefix;
    if (delimiter != null && delimiter.isEmpty()) {
      delimiter = null;
    }
    if (maxKeys < 1 || maxKeys > MAX_KEYS) {
      throw DwException.invalidArgument("maxKeys must be between 1 and " + MAX_KEYS + ", was " + maxKeys);
    }
    if (prefix.length() > ObjectKeys.MAX_KEY_BYTES || prefix.indexOf('\0') >= 0) {
      throw DwException.invalidArgument("list prefix is too long or contains NUL");
    }
  }

  /** Every key under {@code prefix}, first page. */
  public static ListRequest prefix(String prefix) {
    return new ListRequest(prefix, null, null, MAX_KEYS);
  }

  public ListRequest withDelimiter(String d) {
    return new ListRequest(prefix, d, pageToken, maxKeys);
  }

  public ListRequest withPageToken(String token) {
    return new ListRequest(prefix, delimiter, token, maxKeys);
  }

  public ListRequest withMaxKeys(int n) {
    return new ListRequest(prefix, delimiter, pageToken, n);
  }
}
