package io.datawarehouse.tamperproof;

/**
 * Receives the progress of a verification or scan: called after each record, on the scanning
 * thread; it must be quick.
 */
@FunctionalInterface
public interface ScanProgress {
  /**
   * @param recordsDone records checked so far
   * @param recordsTotal records to check in all
   * @param bytesDone bytes re-hashed so far
   */
  void update(long recordsDone, long recordsTotal, long bytesDone);
}
