package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A repository lock: a file {@code locks/<name>.lock} holding pid, host, time and kind. Shared
 * locks (backup, restore, validate) coexist; an exclusive lock (forget, prune) excludes every
 * other. A process writes its own lock file first and then looks at the others, so two racing
 * processes cannot both believe they hold incompatible locks (one or both back off with CONFLICT).
 *
 * <p><b>Stale locks</b>: a lock of this host whose process is gone, or any lock older than
 * {@link #STALE_AFTER} (long runs refresh theirs), is removed with a WARN line naming it.
 */
public final class RepoLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RepoLock.class);
  /** A lock not refreshed for this long is stale whatever its host. */
  public static final Duration STALE_AFTER = Duration.ofHours(6);

  /** The body of a lock file. */
  public record Info(long pid, String host, Instant time, boolean exclusive, String operation) {}

  private final Path file;
  private final Time time;
  private final Info info;

  private RepoLock(Path file, Time time, Info info) {
    this.file = file;
    this.time = time;
    this.info = info;
  }

  /** This host's name, as locks record it. */
  public static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      String h = System.getenv("HOSTNAME");
      return h == null ? "unknown" : h;
    }
  }

  /**
   * Takes a lock.
   *
   * @throws DwException CONFLICT naming the holder when an incompatible live lock exists
   */
  public static RepoLock acquire(RepoLayout layout, Time time, boolean exclusive, String operation) {
    Path dir = layout.lockDir();
    Info me = new Info(ProcessHandle.current().pid(), hostName(), time.now(), exclusive, operation);
    Path mine = dir.resolve(RepoLayout.newName() + ".lock");
    FramedFile.write(mine, RepoLayout.LOCK_MAGIC, RepoLayout.VERSION, Json.toBytes(me));
    RepoLock lock = new RepoLock(mine, time, me);
    for (Path other : lockFiles(dir)) {
      if (other.equals(mine)) {
        continue;
      }
      Info o = readOrNull(other);
      if (o == null) {
        continue;
      }
      if (isStale(o, me, time.now())) {
        LOG.warn("removing stale repository lock {} (pid {} on {}, {} since {})", other.getFileName(), o.pid(), o.host(),
            o.operation(), o.time());
        try {
          Files.deleteIfExists(other);
        } catch (IOException e) {
          LOG.warn("cannot remove stale lock {}: {}", other, e.getMessage());
        }
        continue;
      }
      if (exclusive || o.exclusive()) {
        lock.close();
        throw DwException.of(ErrorCode.CONFLICT, "the repository " + layout.root() + " is locked by pid " + o.pid()
            + " on " + o.host() + " (" + o.operation() + (o.exclusive() ? ", exclusive" : "") + ", since " + o.time()
            + "); " + operation + " needs " + (exclusive ? "it alone" : "no exclusive lock")
            + "; wait for it, or remove " + other + " if that process is gone");
      }
    }
    return lock;
  }

  private static boolean isStale(Info o, Info me, Instant now) {
    if (o.host().equals(me.host()) && o.pid() != me.pid() && ProcessHandle.of(o.pid()).isEmpty()) {
      return true;
    }
    return o.time().plus(STALE_AFTER).isBefore(now);
  }

  private static Info readOrNull(Path f) {
    try {
      return Json.fromBytes(FramedFile.read(f, RepoLayout.LOCK_MAGIC, 1, 1).body(), Info.class, f.toString());
    } catch (DwException e) {
      if (Files.exists(f)) {
        LOG.warn("ignoring unreadable lock file {}: {}", f, e.getMessage());
      }
      return null;
    }
  }

  private static List<Path> lockFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".lock")).toList();
    } catch (IOException e) {
      return new ArrayList<>();
    }
  }

  /** Rewrites the lock with the current time, so a long run is not taken for stale. */
  public void refresh() {
    Info fresh = new Info(info.pid(), info.host(), time.now(), info.exclusive(), info.operation());
    FramedFile.write(file, RepoLayout.LOCK_MAGIC, RepoLayout.VERSION, Json.toBytes(fresh));
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot remove lock {}: {}", file, e.getMessage());
    }
  }
}
