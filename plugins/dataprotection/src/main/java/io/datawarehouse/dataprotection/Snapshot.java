package io.datawarehouse.dataprotection;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot as stored (sealed, zstd-compressed JSON under {@code snapshots/<id>}): when it was
 * taken, of what, its kind and parent, and the whole file tree with each file's chunk list.
 *
 * @param version format version of the snapshot body (1)
 * @param id 32 hex digits, also the file name
 * @param time when the backup started
 * @param type full, incremental or differential
 * @param parent the id of the snapshot unchanged files were taken from, or null
 * @param paths the absolute source paths, in the order given
 * @param host the host name of the machine that took it
 * @param tags free-form tags (for retention)
 * @param stats counts of the run that made it
 * @param files every entry, parents before children; paths are relative, starting with the
 *     source's file name ({@code data/sub/file})
 */
public record Snapshot(int version, String id, Instant time, String type, String parent, List<String> paths,
    String host, List<String> tags, Stats stats, List<FileEntry> files) {

  /** The current body version. */
  public static final int VERSION = 1;

  public Snapshot {
    paths = List.copyOf(paths);
    tags = tags == null ? List.of() : List.copyOf(tags);
    files = List.copyOf(files);
  }

  /** The kind as an enum. */
  public BackupType backupType() {
    return BackupType.parse(type);
  }

  /** This snapshot without its file list, for listings. */
  public Summary summary() {
    return new Summary(id, time, type, parent, paths, host, tags, stats);
  }

  /**
   * One entry of the tree.
   *
   * @param path relative path with '/' separators
   * @param kind {@code file}, {@code dir} or {@code symlink}
   * @param size bytes of a file (0 otherwise)
   * @param mode permission bits (07777)
   * @param mtime last modification time, nanosecond precision where the file system has it
   * @param inode the inode number when backed up (change detection), or 0
   * @param target a symlink's target
   * @param chunks a file's chunk ids (64 hex digits each), in order
   */
  public record FileEntry(String path, String kind, long size, int mode, Instant mtime, long inode, String target,
      List<String> chunks) {
    public FileEntry {
      chunks = chunks == null ? List.of() : List.copyOf(chunks);
    }
  }

  /**
   * What one backup run did.
   *
   * @param files regular files in the snapshot
   * @param dirs directories
   * @param symlinks symbolic links
   * @param bytes bytes of all files in the snapshot
   * @param filesRead files read (changed or new)
   * @param filesUnchanged files taken over from the parent without reading
   * @param bytesRead bytes read from the sources
   * @param blobsNew chunks stored for the first time
   * @param blobsDeduplicated chunks that were already stored
   * @param bytesStored bytes added to packs (compressed and encrypted)
   */
  public record Stats(long files, long dirs, long symlinks, long bytes, long filesRead, long filesUnchanged, long bytesRead,
      long blobsNew, long blobsDeduplicated, long bytesStored) {}

  /**
   * A snapshot without its file list.
   *
   * @param id the snapshot's id
   * @param time when it was taken
   * @param type full, incremental or differential
   * @param parent its parent's id, or null
   * @param paths its source paths
   * @param host where it was taken
   * @param tags its tags
   * @param stats its counts
   */
  public record Summary(String id, Instant time, String type, String parent, List<String> paths, String host,
      List<String> tags, Stats stats) {}
}
