package io.datawarehouse.storage.local;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.storage.ByteRange;
import io.datawarehouse.storage.HashingInputStream;
import io.datawarehouse.storage.ListPage;
import io.datawarehouse.storage.ListRequest;
import io.datawarehouse.storage.ObjectContent;
import io.datawarehouse.storage.ObjectInfo;
import io.datawarehouse.storage.ObjectKeys;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.Retention;
import io.datawarehouse.storage.VerifyingInputStream;
import io.datawarehouse.storage.Worm;
import io.datawarehouse.storage.WormState;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The {@code local} object store: one file per object under {@code <root>/objects}.
 *
 * <p>Design. A key's segments become directories and a file name ({@link KeyPaths}); the file holds
 * header, content and a footer with the metadata ({@link ObjectFile}). A put streams the content
 * into a temporary file in the target directory while hashing it, writes the footer, forces the
 * file, then (under the key's lock) checks WORM, renames it over the old object and forces the
 * directory: the rename is the commit, so a crash at any point leaves the old object or the new
 * one, never a torn one; leftover temporary files are removed when the store opens. A full read
 * checks the content against the SHA-256 in the footer as it reaches the end.
 *
 * <p>WORM is enforced here, not just recorded: an object under retention or legal hold refuses
 * overwrite and delete with RETENTION_LOCKED, its retention can only be extended, and its file is
 * made read-only. Retention is judged by the injected {@link Time}.
 *
 * <p>One process owns a store directory at a time ({@code store.lock}). Thread-safe: puts of
 * different keys run in parallel; the commit step of one key is serialised by a striped lock.
 * Listing walks the directory tree in key order and costs one directory read per directory
 * visited plus one footer read per object returned.
 */
public final class LocalObjectStore implements ObjectStore, Worm {
  private static final int STRIPES = 64;
  private static final int BUFFER = 256 * 1024;
  /** A full read of an object file up to this size reads the whole file at once. */
  private static final int WHOLE_READ_LIMIT = 64 * 1024;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String name;
  private final Path root;
  private final Path objects;
  private final Time time;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private volatile boolean closed;

  private LocalObjectStore(String name, Path root, Time time) throws IOException {
    this.name = name;
    this.root = root.toAbsolutePath();
    this.objects = this.root.resolve("objects");
    this.time = time;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
    Files.createDirectories(objects);
    lockChannel = FileChannel.open(this.root.resolve("store.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = lockChannel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      l = null; // held by this JVM
    } catch (IOException e) {
      lockChannel.close();
      throw e;
    }
    if (l == null) {
      lockChannel.close();
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "local store '" + name + "' at " + this.root
          + " is in use by another process (store.lock is held); stop it or configure another directory");
    }
    lock = l;
  }

  /**
   * Opens (creating when missing) the store in {@code root} and removes leftovers of interrupted
   * writes.
   *
   * @throws DwException FAILED_PRECONDITION when another process holds the directory; UNAVAILABLE
   *     when it cannot be created
   */
  public static LocalObjectStore open(String name, Path root, Time time) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(time, "time");
    try {
      LocalObjectStore s = new LocalObjectStore(name, root, time);
      s.recover();
      return s;
    } catch (IOException e) {
      throw DwException.unavailable("cannot open local store '" + name + "' at " + root + ": " + e.getMessage(), e);
    }
  }

  /** The store's directory. */
  public Path root() {
    return root;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return "local";
  }

  // ---------------------------------------------------------------- put

  @Override
  public ObjectInfo put(String key, InputStream content, long sizeHint, PutOptions options) {
    ObjectKeys.validate(key);
    Objects.requireNonNull(content, "content");
    PutOptions opts = options == null ? PutOptions.DEFAULT : options;
    ensureOpen();
    Path file = objectFile(key);
    Instant now = time.now();
    if (opts.retention() != null) {
      opts.retention().requireFuture(key, now);
    }
    checkNotLocked(key, file, now, "overwrite");
    String id = newId();
    Path tmpName = file.resolveSibling(AtomicFiles.TEMP_PREFIX + file.getFileName() + "-" + id);
    Path tmp = null;
    try {
      ObjectFile.Meta meta;
      try (FileChannel ch = createTemp(tmpName)) {
        tmp = tmpName; // ours from here on: removed on failure
        meta = writeObject(ch, key, id, content, opts, now);
        ch.force(true);
      }
      opts.verifySha256(key, meta.sha256());
      ReentrantLock l = lockFor(key);
      l.lock();
      try {
        checkNotLocked(key, file, time.now(), "overwrite");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        tmp = null;
        Files.deleteIfExists(sidecar(file));
        if (opts.isWorm()) {
          makeReadOnly(file);
        }
        AtomicFiles.fsyncDirectory(file.getParent());
      } finally {
        l.unlock();
      }
      return info(meta, meta.worm());
    } catch (IOException e) {
      throw ioFailure("write", key, file, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: recover() removes it at the next open
        }
      }
    }
  }

  private ObjectFile.Meta writeObject(FileChannel ch, String key, String id, InputStream content, PutOptions opts,
      Instant now)
      throws IOException {
    AtomicFiles.writeFully(ch, ObjectFile.header(), 0);
    HashingInputStream in = new HashingInputStream(content);
    byte[] buf = new byte[BUFFER];
    long pos = ObjectFile.HEADER;
    int n;
    while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
      AtomicFiles.writeFully(ch, ByteBuffer.wrap(buf, 0, n), pos);
      pos += n;
    }
    Retention r = opts.retention();
    ObjectFile.Meta meta = new ObjectFile.Meta(key, id, in.count(), in.sha256Hex(), opts.contentType(),
        opts.metadata(), now, r == null ? null : r.mode(), r == null ? null : r.retainUntil(), opts.legalHold());
    AtomicFiles.writeFully(ch, ObjectFile.trailer(meta), pos);
    return meta;
  }

  /** Creates and opens the temporary file, making its directory when missing. */
  private FileChannel createTemp(Path tmp) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        return FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (NoSuchFileException e) {
        // the key's directory does not exist yet, or a concurrent delete pruned it: make it again
        if (attempt >= 3) {
          throw e;
        }
        makeDirectoriesDurably(tmp.getParent());
      }
    }
  }

  /**
   * Creates {@code dir} and its missing parents under {@code objects}, and forces the parent of
   * each one created, so that the path to a new object survives a crash as its rename does.
   */
  private void makeDirectoriesDurably(Path dir) throws IOException {
    Path top = dir;
    while (top.getParent() != null && !top.equals(objects) && !Files.isDirectory(top.getParent())) {
      top = top.getParent();
    }
    Files.createDirectories(dir);
    for (Path d = dir; d != null && d.startsWith(top); d = d.getParent()) {
      try {
        AtomicFiles.fsyncDirectory(d.getParent());
      } catch (DwException e) {
        if (Files.isDirectory(d.getParent())) {
          throw e;
        }
        return; // pruned by a concurrent delete: the caller's next attempt makes it again
      }
    }
  }

  // ---------------------------------------------------------------- read

  @Override
  public ObjectContent get(String key, ByteRange range) {
    ObjectKeys.validate(key);
    ensureOpen();
    Path file = objectFile(key);
    FileChannel ch = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
      // A full read of a small object takes the whole file in one read: header, content, footer.
      ObjectFile.Opened opened = ObjectFile.open(ch, file, range == null ? WHOLE_READ_LIMIT : 0);
      ObjectFile.Meta meta = opened.meta();
      ObjectInfo info = info(meta, wormState(file, meta));
      long offset = range == null ? 0 : range.offset();
      long length = range == null ? meta.size() : range.resolveLength(key, meta.size());
      InputStream raw;
      if (opened.whole() != null) {
        ch.close();
        raw = new ByteArrayInputStream(opened.whole(), ObjectFile.HEADER + (int) offset, (int) length);
      } else {
        raw = new BoundedChannelStream(ch, ObjectFile.HEADER + offset, length);
      }
      InputStream stream = range == null
          ? new VerifyingInputStream(raw, "object '" + key + "' in store '" + name + "' (" + file + ")", meta.size(), meta.sha256())
          : raw;
      return new ObjectContent(info, stream, offset, length);
    } catch (NoSuchFileException e) {
      closeQuietly(ch);
      throw notFound(key);
    } catch (IOException e) {
      closeQuietly(ch);
      throw ioFailure("read", key, file, e);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  @Override
  public ObjectInfo stat(String key) {
    ObjectKeys.validate(key);
    ensureOpen();
    Path file = objectFile(key);
    ObjectFile.Meta meta = readMeta(key, file);
    return info(meta, wormState(file, meta));
  }

  // ---------------------------------------------------------------- delete

  @Override
  public boolean delete(String key) {
    ObjectKeys.validate(key);
    ensureOpen();
    Path file = objectFile(key);
    ReentrantLock l = lockFor(key);
    l.lock();
    try {
      if (!Files.exists(file)) {
        return false;
      }
      checkNotLocked(key, file, time.now(), "delete");
      Files.deleteIfExists(sidecar(file));
      boolean deleted = Files.deleteIfExists(file);
      AtomicFiles.fsyncDirectory(file.getParent());
      pruneEmptyDirectories(file.getParent());
      return deleted;
    } catch (IOException e) {
      throw ioFailure("delete", key, file, e);
    } finally {
      l.unlock();
    }
  }

  private void pruneEmptyDirectories(Path dir) {
    Path d = dir;
    while (d != null && d.startsWith(objects) && !d.equals(objects)) {
      try {
        Files.delete(d);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        return;
      } catch (IOException e) {
        return; // an empty directory left behind is harmless: listing skips it
      }
      d = d.getParent();
    }
  }

  // ---------------------------------------------------------------- list

  @Override
  public ListPage list(ListRequest request) {
    ensureOpen();
    String prefix = request.prefix();
    int slash = prefix.lastIndexOf('/');
    String base = slash < 0 ? "" : prefix.substring(0, slash + 1);
    Path start = objects;
    if (!base.isEmpty()) {
      try {
        ObjectKeys.validate(base.substring(0, base.length() - 1));
      } catch (DwException e) {
        return new ListPage(List.of(), List.of(), null); // no valid key can start with this prefix
      }
      for (String seg : KeyPaths.encode(base.substring(0, base.length() - 1))) {
        start = start.resolve(seg);
      }
    }
    Lister lister = new Lister(request);
    try {
      walk(start, base, prefix, request.pageToken(), lister);
    } catch (IOException e) {
      throw DwException.unavailable("cannot list store '" + name + "' under '" + prefix + "': " + e.getMessage(), e);
    }
    return lister.page();
  }

  /** Collects one page: objects and rolled-up prefixes in key order, then stops. */
  private final class Lister {
    final ListRequest req;
    final List<ObjectInfo> objects = new ArrayList<>();
    final List<String> prefixes = new ArrayList<>();
    String last;
    boolean more;

    Lister(ListRequest req) {
      this.req = req;
    }

    /** Whether the subtree of keys starting with {@code dirKey} is already rolled into the last prefix. */
    boolean covered(String dirKey) {
      return last != null && req.delimiter() != null && last.endsWith(req.delimiter()) && dirKey.startsWith(last);
    }

    /** Takes one key; false to stop the walk. */
    boolean accept(String key, Path file) throws IOException {
      String d = req.delimiter();
      String token = req.pageToken();
      if (token != null) {
        if (ObjectKeys.compare(key, token) <= 0) {
          return true;
        }
        if (d != null && token.endsWith(d) && key.startsWith(token)) {
          return true;
        }
      }
      String entry = null;
      if (d != null) {
        int i = key.indexOf(d, req.prefix().length());
        if (i >= 0) {
          entry = key.substring(0, i + d.length());
          if (entry.equals(last)) {
            return true;
          }
        }
      }
      ObjectInfo info = null;
      if (entry == null) {
        try {
          ObjectFile.Meta meta = readMeta(key, file);
          info = info(meta, wormState(file, meta));
        } catch (DwException e) {
          if (e.code() == ErrorCode.NOT_FOUND) {
            return true; // deleted while listing
          }
          throw e;
        }
      }
      if (objects.size() + prefixes.size() >= req.maxKeys()) {
        more = true;
        return false;
      }
      if (entry != null) {
        prefixes.add(entry);
        last = entry;
      } else {
        objects.add(info);
        last = key;
      }
      return true;
    }

    ListPage page() {
      return new ListPage(objects, prefixes, more ? last : null);
    }
  }

  private record Child(String sortKey, String key, Path path, boolean dir) {}

  /** Depth-first in key order; false when the lister stopped. */
  private boolean walk(Path dir, String keyBase, String prefix, String token, Lister lister) throws IOException {
    List<Child> children = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String fn = p.getFileName().toString();
        if (fn.startsWith(".")) {
          continue; // temporary files
        }
        boolean isObject = fn.endsWith(KeyPaths.OBJECT_SUFFIX);
        String enc = isObject ? fn.substring(0, fn.length() - KeyPaths.OBJECT_SUFFIX.length()) : fn;
        String seg = KeyPaths.decodeSegment(enc);
        if (seg == null) {
          continue; // sidecars and foreign files
        }
        if (!isObject && !Files.isDirectory(p)) {
          continue;
        }
        String key = keyBase + seg;
        String sortKey = isObject ? key : key + "/";
        children.add(new Child(sortKey, key, p, !isObject));
      }
    } catch (NoSuchFileException e) {
      return true;
    }
    children.sort((a, b) -> ObjectKeys.compare(a.sortKey, b.sortKey));
    for (Child c : children) {
      if (c.dir) {
        if (!c.sortKey.startsWith(prefix) && !prefix.startsWith(c.sortKey)) {
          continue;
        }
        if (token != null && ObjectKeys.compare(c.sortKey, token) < 0 && !token.startsWith(c.sortKey)) {
          continue; // the whole subtree sorts before the page token
        }
        if (lister.covered(c.sortKey)) {
          continue;
        }
        if (!walk(c.path, c.sortKey, prefix, token, lister)) {
          return false;
        }
      } else if (c.key.startsWith(prefix) && !lister.accept(c.key, c.path)) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- WORM

  @Override
  public Worm worm() {
    return this;
  }

  @Override
  public WormState state(String key) {
    return stat(key).worm();
  }

  @Override
  public WormState extendRetention(String key, Retention retention) {
    Objects.requireNonNull(retention, "retention");
    return changeWorm(key, (meta, current, now) -> {
      retention.requireFuture(key, now);
      if (current.retention() != null) {
        current.retention().checkExtension(key, retention, now);
      }
      return new WormState(retention, current.legalHold());
    });
  }

  @Override
  public WormState shortenGovernanceRetention(String key, Retention retention) {
    Objects.requireNonNull(retention, "retention");
    return changeWorm(key, (meta, current, now) -> {
      Retention.checkGovernanceBypass(key, current.retention(), retention, now);
      return new WormState(retention, current.legalHold());
    });
  }

  @Override
  public WormState setLegalHold(String key, boolean hold) {
    return changeWorm(key, (meta, current, now) -> new WormState(current.retention(), hold));
  }

  @FunctionalInterface
  private interface WormChange {
    WormState apply(ObjectFile.Meta meta, WormState current, Instant now);
  }

  private WormState changeWorm(String key, WormChange change) {
    ObjectKeys.validate(key);
    ensureOpen();
    Path file = objectFile(key);
    ReentrantLock l = lockFor(key);
    l.lock();
    try {
      ObjectFile.Meta meta = readMeta(key, file);
      WormState next = change.apply(meta, wormState(file, meta), time.now());
      Retention r = next.retention();
      ObjectFile.WormSidecar body = new ObjectFile.WormSidecar(meta.id(), r == null ? null : r.mode(),
          r == null ? null : r.retainUntil(), next.legalHold());
      FramedFile.write(sidecar(file), ObjectFile.WORM_MAGIC, 1, Json.toBytes(body));
      makeReadOnly(file);
      return next;
    } catch (IOException e) {
      throw ioFailure("change the WORM state of", key, file, e);
    } finally {
      l.unlock();
    }
  }

  private WormState wormState(Path file, ObjectFile.Meta meta) {
    Path sc = sidecar(file);
    if (!Files.exists(sc)) {
      return meta.worm();
    }
    ObjectFile.WormSidecar s;
    try {
      s = Json.fromBytes(FramedFile.read(sc, ObjectFile.WORM_MAGIC, 1, 1).body(), ObjectFile.WormSidecar.class, sc.toString());
    } catch (DwException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return meta.worm();
      }
      throw e;
    }
    return s.id().equals(meta.id()) ? s.state() : meta.worm();
  }

  private void checkNotLocked(String key, Path file, Instant now, String what) {
    ObjectFile.Meta meta;
    try {
      meta = readMeta(key, file);
    } catch (DwException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return;
      }
      throw e;
    }
    wormState(file, meta).refuseIfLocked(what, key, name, now);
  }

  // ---------------------------------------------------------------- health, close

  @Override
  public Health probe() {
    if (closed) {
      return Health.down("local store '" + name + "' is closed");
    }
    try {
      long free = Files.getFileStore(root).getUsableSpace();
      Health h = Files.isWritable(objects) ? Health.up() : Health.down(objects + " is not writable");
      return h.withDetail("type", "local").withDetail("path", root.toString()).withDetail("freeBytes", free);
    } catch (IOException e) {
      return Health.down("local store '" + name + "' at " + root + " cannot be read", e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      throw DwException.unavailable("cannot release the lock of local store '" + name + "': " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Removes temporary files of interrupted puts and WORM sidecars whose object is gone. */
  private void recover() throws IOException {
    try (Stream<Path> s = Files.walk(objects)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String fn = p.getFileName().toString();
        if (fn.startsWith(AtomicFiles.TEMP_PREFIX) && Files.isRegularFile(p)) {
          Files.deleteIfExists(p);
        } else if (fn.endsWith(KeyPaths.WORM_SUFFIX)) {
          String obj = fn.substring(0, fn.length() - KeyPaths.WORM_SUFFIX.length()) + KeyPaths.OBJECT_SUFFIX;
          if (!Files.exists(p.resolveSibling(obj))) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  private ObjectFile.Meta readMeta(String key, Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return ObjectFile.readMeta(ch, file);
    } catch (NoSuchFileException e) {
      throw notFound(key);
    } catch (IOException e) {
      throw ioFailure("read", key, file, e);
    }
  }

  private ObjectInfo info(ObjectFile.Meta m, WormState worm) {
    return new ObjectInfo(m.key(), m.size(), m.sha256(), m.contentType(), m.metadata(), m.created(), m.id(), worm);
  }

  private Path objectFile(String key) {
    String[] segs = KeyPaths.encode(key);
    Path p = objects;
    for (int i = 0; i < segs.length - 1; i++) {
      p = p.resolve(segs[i]);
    }
    return p.resolve(segs[segs.length - 1] + KeyPaths.OBJECT_SUFFIX);
  }

  private static Path sidecar(Path objectFile) {
    String fn = objectFile.getFileName().toString();
    return objectFile.resolveSibling(fn.substring(0, fn.length() - KeyPaths.OBJECT_SUFFIX.length()) + KeyPaths.WORM_SUFFIX);
  }

  private static void makeReadOnly(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
    } catch (UnsupportedOperationException e) {
      if (!file.toFile().setReadOnly()) {
        throw new IOException("cannot make " + file + " read-only");
      }
    }
  }

  private ReentrantLock lockFor(String key) {
    return stripes[Math.floorMod(key.hashCode(), STRIPES)];
  }

  private void ensureOpen() {
    if (closed) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "local store '" + name + "' is closed");
    }
  }

  private DwException notFound(String key) {
    return DwException.notFound("no object '" + key + "' in store '" + name + "'");
  }

  private DwException ioFailure(String op, String key, Path file, IOException e) {
    String msg = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
    ErrorCode code = msg != null && msg.contains("No space left") ? ErrorCode.RESOURCE_EXHAUSTED : ErrorCode.UNAVAILABLE;
    return DwException.of(code, "cannot " + op + " object '" + key + "' in store '" + name + "' (" + file + "): " + msg, e);
  }

  private static String newId() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // already failing
      }
    }
  }

  /**
   * Reads at most {@code remaining} bytes from {@code position} on with positional reads (no shared
   * channel position, no seek); closes the channel.
   */
  private static final class BoundedChannelStream extends InputStream {
    private final FileChannel ch;
    private long position;
    private long remaining;

    BoundedChannelStream(FileChannel ch, long position, long length) {
      this.ch = ch;
      this.position = position;
      this.remaining = length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      if (remaining <= 0) {
        return -1;
      }
      int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, remaining)), position);
      if (n > 0) {
        position += n;
        remaining -= n;
      } else if (n < 0) {
        remaining = 0; // the file ended early; the verifying stream reports the short read
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
