package io.datawarehouse.intelligence.vector.internal;

/**
 * Which nodes a search has visited: an int per node holding the number of the search that last
 * visited it, so clearing between searches is one increment, not a fill. Not thread-safe: one per
 * searching thread.
 */
public final class VisitedSet {
  private int[] marks = new int[0];
  private int stamp;

  /** Starts a new search over nodes in [0, capacity). */
  public void reset(int capacity) {
    if (marks.length < capacity) {
      marks = new int[Math.max(capacity, marks.length + (marks.length >>> 1))];
      stamp = 0;
    }
    if (++stamp == Integer.MAX_VALUE) {
      java.util.Arrays.fill(marks, 0);
      stamp = 1;
    }
  }

  /**
   * Marks {@code node} visited.
   *
   * @return true when it was not visited before in this search
   */
  public boolean visit(int node) {
    if (node >= marks.length) {
      // a node inserted concurrently after reset(): grow, keeping this search's marks
      marks = java.util.Arrays.copyOf(marks, Math.max(node + 1, marks.length + (marks.length >>> 1)));
    }
    if (marks[node] == stamp) {
      return false;
    }
    marks[node] = stamp;
    return true;
  }
}
