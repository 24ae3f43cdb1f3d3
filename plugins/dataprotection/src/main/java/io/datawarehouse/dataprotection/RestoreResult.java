package io.datawarehouse.dataprotection;

import java.util.List;

/**
 * What a restore did.
 *
 * @param snapshot the snapshot's id
 * @param target the target directory
 * @param files files restored exactly
 * @param dirs directories restored
 * @param symlinks symbolic links restored
 * @param bytes bytes written and verified
 * @param failures one line per entry that could not be restored exactly ({@code path: why});
 *     such files are not left under their name
 */
public record RestoreResult(String snapshot, String target, long files, long dirs, long symlinks, long bytes,
    List<String> failures) {
  public RestoreResult {
    failures = List.copyOf(failures);
  }

  /** Whether every selected entry was restored. */
  public boolean ok() {
    return failures.isEmpty();
  }
}
