package io.datawarehouse.dataprotection;

import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import java.nio.file.Path;
import java.util.List;

/** Runs one operation in a child JVM that {@link CrashIT} kills: {@code backup REPO SRC} or {@code prune REPO}. */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) {
    try (BackupRepository repo = BackupRepository.open(Path.of(args[1]), RepoFixture.PASS, Time.SYSTEM)) {
      System.out.println("STARTED");
      System.out.flush();
      if (args[0].equals("backup")) {
        repo.backup(List.of(Path.of(args[2])), BackupType.FULL, List.of(), Progress.Listener.NONE);
      } else {
        repo.prune(Progress.Listener.NONE);
      }
      System.out.println("FINISHED");
      System.out.flush();
    }
  }
}
