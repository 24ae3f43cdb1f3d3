package io.datawarehouse.streaming;

/**
 * The aggregate of one key in one window.
 *
 * <p>A window fires once when the watermark passes its end ({@code update == 0}). A record that
 * arrives later but within the allowed lateness updates the window and fires it again with the
 * new aggregate ({@code update == 1, 2, ...}); a consumer keeps the result with the highest
 * update per (key, start, end). A session window that grows by a late record into a neighbouring
 * session fires as the merged session.
 *
 * @param key the key
 * @param start window start, epoch ms, inclusive
 * @param end window end, epoch ms, exclusive
 * @param value the aggregate
 * @param update 0 for the on-time result, n for the n-th late update
 * @param <K> the key type
 * @param <R> the aggregate type
 */
public record WindowResult<K, R>(K key, long start, long end, R value, int update) {

  /** Whether this is a late update of a result emitted before. */
  public boolean isUpdate() {
    return update > 0;
  }
}
