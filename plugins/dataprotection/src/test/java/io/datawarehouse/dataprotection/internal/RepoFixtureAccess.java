package io.datawarehouse.dataprotection.internal;

import java.nio.file.Path;

/** Test access to package-private helpers. */
public final class RepoFixtureAccess {
  private RepoFixtureAccess() {}

  /** Deletes a directory tree, read-only directories included. */
  public static void deleteTree(Path dir) {
    Validator.deleteTree(dir);
  }
}
