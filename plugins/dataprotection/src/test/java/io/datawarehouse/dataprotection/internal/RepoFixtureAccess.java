package io.datawarehouse.dataprotection.internal;

import java.nio.file.Path;

/** Test access to package-private helpers. */
public final class RepoFixtureAccess {
  private RepoFixtureAccess() {}

  /** Deletes a directory tree, read-only directories included. */
  public static void deleteTree(Path dir) {
    Validator.deleteTree(dir);
  }

  /** Runs {@code r} with restores keeping at most {@code n} files open (the rest opened per chunk). */
  public static void withMaxOpenFiles(int n, Runnable r) {
    int before = RestoreRun.maxOpen;
    RestoreRun.maxOpen = n;
    try {
      r.run();
    } finally {
      RestoreRun.maxOpen = before;
    }
  }
}
