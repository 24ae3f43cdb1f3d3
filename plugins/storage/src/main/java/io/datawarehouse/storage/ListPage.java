package io.datawarehouse.storage;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param objects objects on this page, in key order
 * @param commonPrefixes rolled-up prefixes on this page (only with a delimiter), in order
 * @param nextPageToken the token of the next page, or null when this is the last
 */
public record ListPage(List<ObjectInfo> objects, List<String> commonPrefixes, String nextPageToken) {
  public ListPage {
    objects = List.copyOf(objects);
    commonPrefixes = List.copyOf(commonPrefixes);
  }

  public boolean hasMore() {
    return nextPageToken != null;
  }
}
