package io.datawarehouse.dataprotection;

import java.util.List;

/**
 * The result of validating a repository.
 *
 * @param ok true when no problem was found (leftovers alone do not make it unsound)
 * @param snapshots snapshots checked
 * @param indexFiles index files checked
 * @param packs packs checked
 * @param blobsRead blobs re-read and verified (with read-data)
 * @param bytesRead stored bytes re-read (with read-data)
 * @param testRestoredFiles files restored and compared (with test-restore)
 * @param problems every problem, each with what it affects
 * @param leftovers files no index or snapshot references (interrupted runs); prune removes them
 */
public record ValidationReport(boolean ok, long snapshots, long indexFiles, long packs, long blobsRead, long bytesRead,
    long testRestoredFiles, List<Problem> problems, List<String> leftovers) {

  public ValidationReport {
    problems = List.copyOf(problems);
    leftovers = List.copyOf(leftovers);
  }

  /**
   * One problem.
   *
   * @param object what is damaged or missing ({@code pack 3fa0...}, {@code snapshot 91c2...})
   * @param message what is wrong
   * @param affected what it affects: {@code snapshot <id>: <path>} lines (at most 100, then a count)
   */
  public record Problem(String object, String message, List<String> affected) {
    public Problem {
      affected = List.copyOf(affected);
    }
  }
}
