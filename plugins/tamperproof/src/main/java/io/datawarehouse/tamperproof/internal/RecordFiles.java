package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.tamperproof.RecordInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The local WORM files of records: one data file per record, written once and then read-only, and
 * a metadata file alongside it.
 *
 * <pre>
 *   records/&lt;xx&gt;/&lt;id&gt;.rec    data: u32 magic "DWTR", u16 version 1, u16 id length, id (UTF-8),
 *                           u64 content length, content
 *   records/&lt;xx&gt;/&lt;id&gt;.meta   FramedFile "DWTM" v1 with the record's {@link RecordInfo} as JSON
 *   quarantine/             data files of writes that never reached the ledger, set aside
 * </pre>
 *
 * {@code xx} is the low byte of CRC32C of the id, in hex, which spreads records over 256
 * directories whatever their ids look like.
 *
 * <p>A data file is created under its final name with {@code CREATE_NEW} (so an existing record can
 * never be overwritten, even by a race) and read-only permissions from the start, written, forced,
 * and its directory forced (the two at once). Its SHA-256 is computed while it is written. It is not yet a record:
 * the ledger's WRITE entry, appended after the file is durable, is the commit point; a data file
 * without one (a write interrupted by a crash) is set aside to {@code quarantine/} when the store
 * opens, so a half-written file is never visible as a record. The metadata file is a view of the
 * ledger's state, written without a force and rebuilt from the ledger when missing or stale.
 *
 * <p>Thread-safe (no shared mutable state besides the file system).
 */
public final class RecordFiles {
  static final int DATA_MAGIC = FramedFile.magic("DWTR");
  static final int META_MAGIC = FramedFile.magic("DWTM");
  private static final int VERSION = 1;
  private static final int BUFFER = 256 * 1024;
  /** Data files from this size on that are forced at once are written with O_DIRECT (where the file system allows it). */
  private static final int DIRECT_MIN = 64 * 1024;
  public static final String DATA_SUFFIX = ".rec";
  public static final String META_SUFFIX = ".meta";

  /** The SHA-256 and length of content as written or read. */
  public record Digest(String sha256, long size) {}

  /** A record's content read into memory, and its digest. */
  public record Content(byte[] bytes, Digest digest) {}

  /** Bytes read (and then hashed, while still in the CPU cache) at a time by {@link #readAll}. */
  private static final int READ_CHUNK = 128 * 1024;

  private static final Consumer<String> LOG_FALLBACK =
      m -> org.slf4j.LoggerFactory.getLogger(RecordFiles.class).warn("{}", m);
  private final Path records;
  private final Path quarantine;
  /** records/00 .. records/ff. */
  private final Path[] dirs = new Path[256];
  private final Set<Path> knownDirs = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile Boolean posix;
  private volatile DirectWriter directWriter;

  public RecordFiles(Path dataDir) {
    this(dataDir, true);
  }

  /**
   * {@link #RecordFiles(Path)}, with O_DIRECT for large forced writes only when {@code directIo}
   * (and the file system allows it); tests use {@code false} to cover the page-cache path on any
   * machine.
   */
  RecordFiles(Path dataDir, boolean directIo) {
    if (!directIo) {
      this.directWriter = DirectWriter.NONE;
    }
    this.records = dataDir.resolve("records");
    this.quarantine = dataDir.resolve("quarantine");
    for (int i = 0; i < dirs.length; i++) {
      dirs[i] = records.resolve(HexFormat.of().toHexDigits((byte) i));
    }
  }

  /** The directory holding every record's files. */
  public Path root() {
    return records;
  }

  public Path dataFile(String id) {
    return dirOf(id).resolve(id + DATA_SUFFIX);
  }

  public Path metaFile(String id) {
    return dirOf(id).resolve(id + META_SUFFIX);
  }

  private Path dirOf(String id) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(id.getBytes(StandardCharsets.UTF_8));
    return dirs[(int) (crc.getValue() & 0xff)];
  }

  /**
   * A SHA-256 instance of this thread, reset (getInstance costs a good part of hashing 4 KiB); only
   * for hashing that calls no other code meanwhile, so that no nested use can share it.
   */
  private static MessageDigest sha256() {
    MessageDigest md = SHA256.get();
    md.reset();
    return md;
  }

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(MerkleTree::sha256);

  /** {@link #write(String, InputStream, long, long)} of content of unknown length. */
  public Digest write(String id, InputStream content, long maxSize) {
    return write(id, content, maxSize, -1);
  }

  /**
   * Writes record {@code id}'s data file from {@code content}, read-only from its creation, and
   * makes it and its directory entry durable.
   *
   * @param maxSize the largest content accepted; more is INVALID_ARGUMENT and nothing is kept
   * @param expectedSize the content's length when known, else -1; content of another length is
   *     INVALID_ARGUMENT and nothing is kept
   * @throws DwException ALREADY_EXISTS when the data file exists; UNAVAILABLE on I/O errors (nothing
   *     is left behind)
   */
  public Digest write(String id, InputStream content, long maxSize, long expectedSize) {
    return write(id, content, maxSize, expectedSize, true);
  }

  /**
   * {@link #write(String, InputStream, long, long)}, forcing the file and its directory entry only
   * when {@code durable}; otherwise the caller makes the bytes durable another way (the ledger's
   * journal) and has {@link #force} run before it stops relying on that.
   */
  public Digest write(String id, InputStream content, long maxSize, long expectedSize, boolean durable) {
    Path target = dataFile(id);
    Path dir = target.getParent();
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    int headerLen = 4 + 2 + 2 + idBytes.length + 8;
    MessageDigest sha = MerkleTree.sha256();
    long size = 0;
    boolean created = false;
    try {
      if (!knownDirs.contains(dir)) {
        Files.createDirectories(dir); // before it counts as known: a concurrent writer must not find it missing
        knownDirs.add(dir);
      }
      // a large record of known length that is forced at once bypasses the page cache (O_DIRECT):
      // copying it there costs more than writing it to the device, which the force waits for anyway
      DirectWriter directWriter = durable && expectedSize >= 0 && headerLen + expectedSize >= DIRECT_MIN ? directWriter() : null;
      try (FileChannel ch = createReadOnly(target, directWriter != null)) {
        created = true;
        int cap = expectedSize >= 0 ? (int) Math.min(BUFFER, headerLen + expectedSize) : BUFFER;
        // content of more than one buffer is hashed on a second thread, one buffer behind the
        // writes (the last full buffer's beside the force, the bytes after it once the force is
        // done): two buffers, each refilled only once the hash of what it held is done
        boolean pipelined = expectedSize < 0 || headerLen + expectedSize > BUFFER;
        ByteBuffer buf = ByteBuffer.allocate(Math.max(cap, headerLen)).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer spare = pipelined ? ByteBuffer.allocate(buf.capacity()) : null;
        Hasher hasher = pipelined ? new Hasher(sha) : null;
        buf.putInt(DATA_MAGIC).putShort((short) VERSION).putShort((short) idBytes.length).put(idBytes)
            .putLong(expectedSize);
        int contentFrom = headerLen; // where this buffer's content starts
        long pos = 0;
        try {
          while (true) {
            int n = buf.hasRemaining() ? content.readNBytes(buf.array(), buf.position(), buf.remaining()) : 0;
            if (n > 0) {
              size += n;
              if (size > maxSize) {
                throw tooLarge(id, maxSize);
              }
              if (expectedSize >= 0 && size > expectedSize) {
                throw longer(id, expectedSize);
              }
              if (hasher == null) {
                sha.update(buf.array(), buf.position(), n);
              }
              buf.position(buf.position() + n);
            }
            if (buf.hasRemaining() && n == 0) {
              break; // end of content
            }
            if (!buf.hasRemaining()) {
              buf.flip();
              if (hasher != null) {
                hasher.hash(buf.array(), contentFrom, buf.limit() - contentFrom);
              }
              if (directWriter != null) {
                directWriter.write(ch, buf, pos);
              } else {
                AtomicFiles.writeFully(ch, buf, pos);
              }
              pos += buf.limit();
              if (hasher != null) {
                // the spare's hash was done before this buffer's started; this one's runs on
                ByteBuffer t = buf;
                buf = spare;
                spare = t;
              }
              buf.clear();
              contentFrom = 0;
              if (size == expectedSize && content.read() < 0) {
                break; // exactly the expected length, and nothing more
              } else if (size == expectedSize) {
                throw longer(id, expectedSize);
              }
            }
          }
          if (expectedSize >= 0 && size < expectedSize) {
            throw shorter(id, size, expectedSize);
          }
          buf.flip();
          int tailFrom = contentFrom;
          int tailLen = buf.limit() - contentFrom;
          if (directWriter != null) {
            directWriter.writeLast(ch, buf, pos);
          } else {
            AtomicFiles.writeFully(ch, buf, pos);
          }
          if (expectedSize < 0) { // the header announced -1: now the size is known
            AtomicFiles.writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(0, size), headerLen - 8);
          }
          if (durable) {
            forceWithDirectory(ch, dir); // while the hash of the buffer before runs on
          }
          if (hasher != null && tailLen > 0) {
            hasher.hash(buf.array(), tailFrom, tailLen); // after it: hashing the last bytes waits for it
          }
        } finally {
          if (hasher != null) {
            hasher.await(); // also on failure: the buffers must not be in use when this returns
          }
        }
      }
      return new Digest(HexFormat.of().formatHex(sha.digest()), size);
    } catch (FileAlreadyExistsException e) {
      if (!target.toString().equals(e.getFile())) { // the record's directory: a file is in its way
        throw DwException.of(ErrorCode.UNAVAILABLE, "cannot write record " + id + " to " + target + ": " + e.getFile()
            + " exists and is not a directory", e);
      }
      throw DwException.of(ErrorCode.ALREADY_EXISTS, "a data file for record " + id + " exists already: " + target, e);
    } catch (IOException | RuntimeException e) {
      if (created) {
        try {
          Files.deleteIfExists(target);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof DwException dw) {
        throw dw;
      }
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot write record " + id + " to " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * The digest of content held whole in memory, after the checks {@link #write(String, InputStream,
   * long, long, boolean)} applies while writing (the size limit, the announced length), with the
   * same errors; for a record whose data file is written later from these bytes.
   *
   * @param expectedSize the announced length, or -1
   * @throws DwException INVALID_ARGUMENT when {@code content} breaks the limit or the announced length
   */
  public static Digest digestOf(String id, byte[] content, long maxSize, long expectedSize) {
    if (content.length > maxSize) {
      throw tooLarge(id, maxSize);
    }
    if (expectedSize >= 0 && content.length > expectedSize) {
      throw longer(id, expectedSize);
    }
    if (expectedSize >= 0 && content.length < expectedSize) {
      throw shorter(id, content.length, expectedSize);
    }
    MessageDigest sha = sha256();
    sha.update(content);
    return new Digest(HexFormat.of().formatHex(sha.digest()), content.length);
  }

  private static DwException tooLarge(String id, long maxSize) {
    return DwException.invalidArgument("record " + id + " is larger than the limit of " + maxSize + " bytes (maxRecordSize)");
  }

  private static DwException shorter(String id, long size, long expectedSize) {
    return DwException.invalidArgument("record " + id + ": the content ended after " + size + " of the " + expectedSize
        + " bytes announced");
  }

  private static DwException longer(String id, long expectedSize) {
    return DwException.invalidArgument("record " + id + ": the content is longer than the " + expectedSize
        + " bytes announced");
  }

  /**
   * Forces the data files of records {@code ids} (those still there: a record deleted since is
   * skipped) and then their directories to disk. The files are forced from several threads at once,
   * so the file system can commit them together instead of one journal commit each.
   *
   * @throws DwException UNAVAILABLE when a file or directory cannot be forced
   */
  public void force(java.util.List<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    Set<Path> dirsToForce = new java.util.HashSet<>();
    java.util.List<java.util.concurrent.Future<?>> pending = new java.util.ArrayList<>(ids.size());
    try {
      for (String id : ids) {
        Path file = dataFile(id);
        dirsToForce.add(file.getParent());
        pending.add(FORCE_POOL.submit(() -> {
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(false);
          } catch (java.nio.file.NoSuchFileException gone) {
            // deleted since it was written: nothing to keep
          }
          return null;
        }));
      }
      for (Path d : dirsToForce) {
        pending.add(FORCE_POOL.submit(() -> {
          AtomicFiles.fsyncDirectory(d);
          return null;
        }));
      }
      boolean interrupted = false;
      for (java.util.concurrent.Future<?> f : pending) {
        while (true) {
          try {
            f.get(); // waited for even when interrupted: the journal must not be reset before all are forced
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    } catch (java.util.concurrent.ExecutionException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot force record files to disk: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** Threads {@link #force(java.util.List)} forces files from. */
  private static final int FORCE_THREADS = 16;

  /**
   * The threads that force files, shared by every store of the process: up to {@link
   * #FORCE_THREADS}, each ending after 30 s without work (a pool made per flush cost about a
   * millisecond of thread starts each time).
   */
  private static final java.util.concurrent.ExecutorService FORCE_POOL = forcePool();

  private static java.util.concurrent.ExecutorService forcePool() {
    java.util.concurrent.ThreadPoolExecutor p = new java.util.concurrent.ThreadPoolExecutor(FORCE_THREADS, FORCE_THREADS,
        30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
        Thread.ofPlatform().daemon().name("dw-tamperproof-force-", 0).factory());
    p.allowCoreThreadTimeOut(true);
    return p;
  }

  /**
   * Forces {@code ch}'s content and {@code dir} (which holds its entry) to disk, the two at once: the
   * directory is forced on a virtual thread while this one forces the file, and both are durable when
   * this returns. Both calls are issued after what they must persist was written (the entry was
   * created when the file was opened, the content before this call), so running them together
   * orders nothing differently from one after the other; the file system can then commit both in
   * one journal transaction instead of two.
   */
  private static void forceWithDirectory(FileChannel ch, Path dir) throws IOException {
    java.util.concurrent.FutureTask<Void> dirForce = new java.util.concurrent.FutureTask<>(() -> {
      AtomicFiles.fsyncDirectory(dir);
      return null;
    });
    Thread.ofVirtual().name("dw-tamperproof-dirsync").start(dirForce);
    IOException fileFailure = null;
    try {
      ch.force(false);
    } catch (IOException e) {
      fileFailure = e;
    }
    try {
      dirForce.get(); // waited for even when the file force failed: nothing runs on after this call
    } catch (java.util.concurrent.ExecutionException e) {
      RuntimeException cause = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
      if (fileFailure != null) {
        fileFailure.addSuppressed(cause);
      } else {
        throw cause;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while forcing " + dir);
    }
    if (fileFailure != null) {
      throw fileFailure;
    }
  }

  /**
   * Creates {@code file} (never replacing one) with read-only permissions, open for writing, with
   * O_DIRECT when {@code direct}.
   */
  private FileChannel createReadOnly(Path file, boolean direct) throws IOException {
    Set<java.nio.file.OpenOption> opts = new java.util.HashSet<>(java.util.List.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    if (direct) {
      opts.add(DirectWriter.DIRECT);
    }
    if (posix()) {
      return FileChannel.open(file, opts, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r--r--r--")));
    }
    FileChannel ch = FileChannel.open(file, opts);
    DurableFiles.makeReadOnly(file);
    return ch;
  }

  /** Whether large forced writes go through O_DIRECT here (found out at the first such write). */
  boolean directIo() {
    return directWriter() != null;
  }

  /**
   * The writer of O_DIRECT data files, or null where the records' file system refuses O_DIRECT
   * (tmpfs, some network file systems): found out once, by writing a probe file.
   */
  private DirectWriter directWriter() {
    DirectWriter w = directWriter;
    if (w == null) {
      w = DirectWriter.probe(records);
      directWriter = w;
    }
    return w == DirectWriter.NONE ? null : w;
  }

  /**
   * Writes through O_DIRECT: each buffer is copied into a direct buffer aligned to the file
   * system's block size (a few are pooled) and written at its offset, which is a multiple of
   * {@link #BUFFER} and so aligned; the last one is padded with zeros to whole blocks, and the file
   * then cut to its length (a size change, which the force that follows makes durable).
   */
  private static final class DirectWriter {
    static final DirectWriter NONE = new DirectWriter(0);
    /**
     * O_DIRECT ({@code com.sun.nio.file.ExtendedOpenOption.DIRECT} of module jdk.unsupported),
     * looked up by name: the compiler flags a direct reference as internal API. Null where absent.
     */
    static final java.nio.file.OpenOption DIRECT = directOption();

    private static java.nio.file.OpenOption directOption() {
      try {
        return (java.nio.file.OpenOption) Class.forName("com.sun.nio.file.ExtendedOpenOption").getField("DIRECT").get(null);
      } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
        return null;
      }
    }
    private final int block;
    private final java.util.concurrent.atomic.AtomicReferenceArray<ByteBuffer> free =
        new java.util.concurrent.atomic.AtomicReferenceArray<>(4);

    private DirectWriter(int block) {
      this.block = block;
    }

    static DirectWriter probe(Path dir) {
      Path probe = dir.resolve(".direct-probe-" + Long.toHexString(System.nanoTime()));
      try {
        Files.createDirectories(dir);
        int block = (int) Files.getFileStore(dir).getBlockSize();
        if (DIRECT == null || block <= 0 || block > BUFFER || BUFFER % block != 0) {
          return NONE;
        }
        DirectWriter w = new DirectWriter(block);
        try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, DIRECT)) {
          w.writeLast(ch, ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
          return ch.size() == 3 ? w : NONE;
        }
      } catch (IOException | UnsupportedOperationException e) {
        org.slf4j.LoggerFactory.getLogger(RecordFiles.class).debug("no O_DIRECT for data files under {}: {}", dir, e.toString());
        return NONE;
      } finally {
        try {
          Files.deleteIfExists(probe);
        } catch (IOException ignored) {
          // a leftover probe file is harmless; the directory scan skips names starting with a dot
        }
      }
    }

    /**
     * Writes {@code buf} (position 0 to limit) at {@code pos}; a length that is not a multiple of
     * the block size can only be the file's last bytes, and is written as such.
     */
    void write(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
      if (buf.limit() % block != 0) {
        writeLast(ch, buf, pos);
      } else {
        write(ch, buf, pos, buf.limit());
      }
    }

    /** Writes {@code buf}'s last bytes at {@code pos}, padded to whole blocks, then cuts the file after them. */
    void writeLast(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
      int len = buf.limit();
      if (len == 0) {
        ch.truncate(pos);
        return;
      }
      write(ch, buf, pos, (len + block - 1) / block * block);
      ch.truncate(pos + len);
    }

    private void write(FileChannel ch, ByteBuffer buf, long pos, int padded) throws IOException {
      ByteBuffer d = take(padded);
      try {
        d.clear();
        d.put(buf.array(), buf.arrayOffset(), buf.limit());
        while (d.position() < padded) {
          d.put((byte) 0);
        }
        d.flip();
        AtomicFiles.writeFully(ch, d, pos);
      } finally {
        giveBack(d);
      }
    }

    private ByteBuffer take(int size) {
      for (int i = 0; i < free.length(); i++) {
        ByteBuffer b = free.getAndSet(i, null);
        if (b != null) {
          if (b.capacity() >= size) {
            return b;
          }
        }
      }
      return ByteBuffer.allocateDirect(Math.max(size, BUFFER) + block).alignedSlice(block);
    }

    private void giveBack(ByteBuffer b) {
      for (int i = 0; i < free.length(); i++) {
        if (free.compareAndSet(i, null, b)) {
          return;
        }
      }
    }
  }

  /** Whether the records' file system has POSIX permissions (asked once: the lookup is slow). */
  private boolean posix() throws IOException {
    Boolean p = posix;
    if (p == null) {
      Files.createDirectories(records);
      p = Files.getFileStore(records).supportsFileAttributeView("posix");
      posix = p;
    }
    return p;
  }

  /**
   * Replaces record {@code id}'s data file with {@code content} (a verified copy from elsewhere):
   * written and checked under a temporary name first, the damaged file (if any) moved to
   * quarantine as evidence, then the good one renamed into place.
   *
   * @param expectedSha256 the ledger's hash; a copy that does not match is INTEGRITY and changes nothing
   * @return where the damaged file was kept, or null when there was none
   */
  public Path restore(String id, InputStream content, String expectedSha256, long expectedSize) {
    Path target = dataFile(id);
    // written with the record's own header in a scratch store next to this one, then moved over
    Path scratch = records.resolveSibling(AtomicFiles.TEMP_PREFIX + "restore-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      RecordFiles tmp = new RecordFiles(scratch);
      Digest d = tmp.write(id, content, expectedSize);
      if (!d.sha256().equals(expectedSha256) || d.size() != expectedSize) {
        throw DwException.integrity("the copy of record " + id + " hashes to " + d.sha256() + " (" + d.size()
            + " bytes), the ledger says " + expectedSha256 + " (" + expectedSize + " bytes): it was not restored");
      }
      Path evidence = Files.exists(target) ? quarantine(target) : null;
      Files.createDirectories(target.getParent());
      Files.move(tmp.dataFile(id), target, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.fsyncDirectory(target.getParent());
      return evidence;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot restore record " + id + " to " + target + ": " + e.getMessage(), e);
    } finally {
      try {
        deleteTree(scratch);
      } catch (IOException e) {
        LOG_FALLBACK.accept(scratch + " could not be removed: " + e.getMessage());
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * Streams record {@code id}'s content to {@code out} while hashing it, after checking the data
   * file's header, and returns what was read. The caller compares the digest with the ledger's
   * before trusting what {@code out} received.
   *
   * @throws DwException INTEGRITY when the file is missing, its header is wrong or its length does
   *     not match (naming the record and the file)
   */
  public Digest read(String id, OutputStream out) {
    Path file = dataFile(id);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      ByteBuffer buf = ByteBuffer.allocate((int) Math.max(1, Math.min(BUFFER, fileSize))).order(ByteOrder.BIG_ENDIAN);
      AtomicFiles.readFully(ch, buf, 0);
      int contentStart = checkHeader(id, file, buf, fileSize);
      MessageDigest sha = MerkleTree.sha256();
      long size = 0;
      long pos = buf.position();
      int from = contentStart;
      while (true) {
        int n = buf.position() - from;
        if (n > 0) {
          sha.update(buf.array(), from, n);
          if (out != null) {
            out.write(buf.array(), from, n);
          }
          size += n;
        }
        buf.clear();
        from = 0;
        int r = ch.read(buf, pos);
        if (r <= 0) {
          break;
        }
        pos += r;
      }
      if (size != fileSize - contentStart) {
        throw DwException.integrity("record " + id + ": " + file + " changed while it was read");
      }
      return new Digest(HexFormat.of().formatHex(sha.digest()), size);
    } catch (NoSuchFileException e) {
      throw DwException.integrity("record " + id + ": its data file " + file + " is missing (deleted or moved)", e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read record " + id + " from " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads record {@code id}'s content into memory while hashing it, after checking the data file's
   * header: a file smaller than a buffer is read whole into a reused buffer with one read and copied
   * out; larger ones are read straight into the content array, and each chunk is hashed right after
   * it was read, while it is still in the CPU cache. The caller
   * compares the digest with the ledger's before trusting the bytes. (Reading ahead on a second
   * thread, as {@link #verify} does, was tried here and gained nothing measurable: for large records
   * the cost is the new array's memory, touched when it is allocated.)
   *
   * <p>The file's size is not asked for (no {@code stat}): the last read asks for one byte more than
   * the content should have left, so a longer file shows itself by that byte, a shorter one by the
   * end of the file coming early, and a read that stops one byte short of what it asked for marks
   * the end of the file (as reads of regular files do).
   *
   * @param expectedSize the content length the ledger states
   * @return the content and its digest; null when the file's size does not fit {@code expectedSize}
   *     bytes of content (then {@link #read(String, OutputStream)} says what is wrong)
   * @throws DwException INTEGRITY when the file is missing or its header is wrong; UNAVAILABLE on
   *     I/O errors
   */
  public Content readAll(String id, int expectedSize) {
    Path file = dataFile(id);
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    int headerLen = 4 + 2 + 2 + idBytes.length + 8;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(headerLen).order(ByteOrder.BIG_ENDIAN);
      byte[] content = new byte[expectedSize];
      MessageDigest sha = sha256();
      boolean small = headerLen + (long) expectedSize < READ_CHUNK; // the whole file and one byte more fit a buffer
      if (!(small ? readSmall(ch, header, content, sha) : readAllInline(ch, header, content, sha))) {
        return null;
      }
      checkHeader(id, file, header, headerLen + (long) expectedSize); // the file's size is now known
      return new Content(content, new Digest(HexFormat.of().formatHex(sha.digest()), expectedSize));
    } catch (NoSuchFileException e) {
      throw DwException.integrity("record " + id + ": its data file " + file + " is missing (deleted or moved)", e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read record " + id + " from " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads {@code content[off, off + chunk)}, the header before it when {@code off} is 0, and, for
   * the last chunk, one byte more into {@code probe}: MORE, END, SHORT or LONG.
   */
  private static int readChunk(FileChannel ch, ByteBuffer header, byte[] content, int off, int chunk, ByteBuffer probe)
      throws IOException {
    boolean last = off + chunk == content.length;
    ByteBuffer b = ByteBuffer.wrap(content, off, chunk);
    ByteBuffer[] bufs = off == 0 ? (last ? new ByteBuffer[] {header, b, probe} : new ByteBuffer[] {header, b})
        : (last ? new ByteBuffer[] {b, probe} : new ByteBuffer[] {b});
    while (b.hasRemaining() || header.hasRemaining()) {
      if (ch.read(bufs) < 0) {
        return SHORT; // shorter than the ledger says
      }
    }
    if (probe.position() > 0) {
      return LONG; // longer than the ledger says
    }
    return last ? END : MORE; // the probe's read stopped short of it: the end of the file
  }

  /**
   * Reads a file smaller than a buffer whole into a reused buffer (one plain read: cheaper than a
   * scattering read into header, content and probe), then copies header and content out and hashes
   * the content; whether the file had exactly their size.
   */
  private static boolean readSmall(FileChannel ch, ByteBuffer header, byte[] content, MessageDigest sha)
      throws IOException {
    byte[] buf = VerifyBuffers.take();
    try {
      long total = header.capacity() + (long) content.length;
      int got = 0;
      while (true) {
        int want = want(buf.length - got, got, total);
        int n = ch.read(ByteBuffer.wrap(buf, got, want));
        int status = after(got, n, want, total);
        if (status == SHORT || status == LONG) {
          return false;
        }
        got += Math.max(n, 0);
        if (status == END) {
          break;
        }
      }
      header.put(buf, 0, header.capacity());
      System.arraycopy(buf, header.capacity(), content, 0, content.length);
      sha.update(content);
      return true;
    } finally {
      VerifyBuffers.giveBack(buf);
    }
  }

  /** Reads header and content on this thread, hashing each chunk; whether the file had exactly their size. */
  private static boolean readAllInline(FileChannel ch, ByteBuffer header, byte[] content, MessageDigest sha)
      throws IOException {
    ByteBuffer probe = ByteBuffer.allocate(1);
    int off = 0;
    while (true) {
      int chunk = Math.min(READ_CHUNK, content.length - off);
      int status = readChunk(ch, header, content, off, chunk, probe);
      if (status == SHORT || status == LONG) {
        return false;
      }
      sha.update(content, off, chunk);
      off += chunk;
      if (status == END) {
        return true;
      }
    }
  }

  /**
   * Hashes record {@code id}'s content without keeping it, for verification: like {@link #readAll}
   * (no {@code stat}, header checked, each chunk hashed right after it was read) but through reused
   * buffers, so no memory is allocated per record whatever its size. All on the caller's thread:
   * reading ahead on a second thread was measured slower on a quiet machine (check of 1 MiB
   * records 54-63% of a plain SHA-256 against 80-84% without, 2026-11-28); it only won on a
   * machine loaded by other work, where the second thread got a share of CPU of its own.
   *
   * @param expectedSize the content length the ledger states
   * @return the content's digest; null when the file's size does not fit {@code expectedSize} bytes
   *     of content (then {@link #read(String, OutputStream)} says what is wrong)
   * @throws DwException INTEGRITY when the file is missing (the cause is then a
   *     {@link NoSuchFileException}) or its header is wrong; UNAVAILABLE on I/O errors
   */
  public Digest verify(String id, long expectedSize) {
    Path file = dataFile(id);
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    int headerLen = 4 + 2 + 2 + idBytes.length + 8;
    long total = headerLen + expectedSize;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(headerLen).order(ByteOrder.BIG_ENDIAN);
      MessageDigest sha = sha256();
      if (!hashInline(ch, total, header, sha)) {
        return null;
      }
      checkHeader(id, file, header, total); // the file's size is now known
      return new Digest(HexFormat.of().formatHex(sha.digest()), expectedSize);
    } catch (NoSuchFileException e) {
      throw DwException.integrity("record " + id + ": its data file " + file + " is missing (deleted or moved)", e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read record " + id + " from " + file + ": " + e.getMessage(), e);
    }
  }

  // what a read means: more to come, the end (exactly the expected size), too short, too long
  private static final int MORE = 0;
  private static final int END = 1;
  private static final int SHORT = 2;
  private static final int LONG = 3;

  /**
   * What a read that returned {@code n} of the {@code want} bytes asked for (one more than should be
   * left, or a buffer's worth), after {@code got} of the {@code total} expected, means.
   */
  private static int after(long got, int n, int want, long total) {
    if (n < 0) {
      return got == total ? END : SHORT;
    }
    if (got + n > total) {
      return LONG;
    }
    return got + n == total && n < want ? END : MORE; // stopped short of the extra byte: the end of the file
  }

  /** How many bytes to ask for next: a buffer's worth, or one more than should be left. */
  private static int want(int capacity, long got, long total) {
    return (int) Math.min(capacity, total - got + 1);
  }

  /** Takes {@code n} bytes read at file offset {@code offset}: the header's into {@code header}, the content's into the hash. */
  private static void take(byte[] b, long offset, int n, ByteBuffer header, MessageDigest sha) {
    int from = 0;
    if (offset < header.capacity()) {
      from = (int) Math.min(n, header.capacity() - offset);
      header.put(b, 0, from);
    }
    if (n > from) {
      sha.update(b, from, n - from);
    }
  }

  /** Reads and hashes the file on this thread; whether it had exactly {@code total} bytes. */
  private static boolean hashInline(FileChannel ch, long total, ByteBuffer header, MessageDigest sha) throws IOException {
    byte[] buf = VerifyBuffers.take();
    try {
      long got = 0;
      while (true) {
        int want = want(buf.length, got, total);
        int n = ch.read(ByteBuffer.wrap(buf, 0, want));
        int status = after(got, n, want, total);
        if (status == SHORT || status == LONG) {
          return false;
        }
        if (n > 0) {
          take(buf, got, n, header, sha);
          got += n;
        }
        if (status == END) {
          return true;
        }
      }
    } finally {
      VerifyBuffers.giveBack(buf);
    }
  }

  /**
   * Hashes chunks on a virtual thread, one at a time and in order, while the caller writes: {@link
   * #hash} waits for the chunk before (so at most one is in flight), {@link #await} for the last.
   */
  private static final class Hasher {
    private final MessageDigest sha;
    private Thread running;

    Hasher(MessageDigest sha) {
      this.sha = sha;
    }

    void hash(byte[] b, int off, int len) {
      await();
      running = Thread.ofVirtual().name("dw-tamperproof-hash").start(() -> sha.update(b, off, len));
    }

    void await() {
      Thread t = running;
      if (t == null) {
        return;
      }
      boolean interrupted = false;
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // the chunk's buffer is in use until the hash is done: wait anyway
        }
      }
      running = null;
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The read buffers of {@link #verify}: a few, shared by every thread (verifications often run on
   * short-lived virtual threads, which a thread-local would give a new buffer each), so that
   * verifying touches memory already in use instead of new memory per record.
   */
  private static final class VerifyBuffers {
    private static final java.util.concurrent.atomic.AtomicReferenceArray<byte[]> FREE =
        new java.util.concurrent.atomic.AtomicReferenceArray<>(8);

    static byte[] take() {
      for (int i = 0; i < FREE.length(); i++) {
        byte[] b = FREE.getAndSet(i, null);
        if (b != null) {
          return b;
        }
      }
      return new byte[READ_CHUNK];
    }

    static void giveBack(byte[] b) {
      for (int i = 0; i < FREE.length(); i++) {
        if (FREE.compareAndSet(i, null, b)) {
          return;
        }
      }
    }
  }

  /**
   * Checks the data file header at the start of {@code buf} (filled from offset 0); returns where
   * the content starts.
   */
  private static int checkHeader(String id, Path file, ByteBuffer buf, long fileSize) {
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    int headerLen = 4 + 2 + 2 + idBytes.length + 8;
    if (buf.position() < Math.min(headerLen, fileSize) || fileSize < headerLen) {
      throw DwException.integrity("record " + id + ": " + file + " is too short for its header (" + fileSize + " bytes)");
    }
    int magic = buf.getInt(0);
    int version = Short.toUnsignedInt(buf.getShort(4));
    int idLen = Short.toUnsignedInt(buf.getShort(6));
    if (magic != DATA_MAGIC) {
      throw DwException.integrity(String.format("record %s: %s: header mismatch: actual magic=0x%08x vs expected magic=0x%08x",
          id, file, magic, DATA_MAGIC));
    }
    if (version != VERSION) {
      throw DwException.integrity("record " + id + ": " + file + ": format version " + version + " is not supported");
    }
    if (idLen != idBytes.length || !java.util.Arrays.equals(buf.array(), 8, 8 + idLen, idBytes, 0, idLen)) {
      throw DwException.integrity("record " + id + ": " + file + " holds another record (the file was replaced or moved)");
    }
    long length = buf.getLong(8 + idLen);
    if (length != fileSize - headerLen) {
      throw DwException.integrity("record " + id + ": " + file + " says " + length + " content bytes but has "
          + (fileSize - headerLen) + " (truncated, extended or replaced)");
    }
    return headerLen;
  }

  /** Whether record {@code id}'s data file exists. */
  public boolean exists(String id) {
    return Files.exists(dataFile(id));
  }

  /** Writes record {@code info}'s metadata file, atomically but unforced (see the class comment). */
  public void writeMeta(RecordInfo info) {
    DurableFiles.replaceUnforced(metaFile(info.id()), FramedFile.frame(META_MAGIC, VERSION, Json.toBytes(info)));
  }

  /**
   * Reads record {@code id}'s metadata file.
   *
   * @return null when it is missing
   * @throws DwException INTEGRITY when it is damaged
   */
  public RecordInfo readMeta(String id) {
    Path f = metaFile(id);
    if (!Files.exists(f)) {
      return null;
    }
    byte[] body = FramedFile.read(f, META_MAGIC, VERSION, VERSION).body();
    try {
      return Json.fromBytes(body, RecordInfo.class, f.toString());
    } catch (DwException e) {
      throw DwException.integrity(f + " is not record metadata: " + e.getMessage(), e);
    }
  }

  /** Deletes record {@code id}'s files (data and metadata) and forces the directory. */
  public void delete(String id) {
    Path data = dataFile(id);
    try {
      Files.deleteIfExists(metaFile(id));
      Files.deleteIfExists(data);
      AtomicFiles.fsyncDirectory(data.getParent());
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot delete record " + id + " from " + data + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves a data file that no ledger entry accounts for to {@code quarantine/}, keeping it for
   * inspection but out of the store.
   *
   * @return where it went
   */
  public Path quarantine(Path file) {
    try {
      Files.createDirectories(quarantine);
      Path to = quarantine.resolve(file.getFileName() + "." + System.currentTimeMillis());
      Files.move(file, to, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.fsyncDirectory(quarantine);
      AtomicFiles.fsyncDirectory(file.getParent());
      return to;
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot move " + file + " to " + quarantine + ": " + e.getMessage(), e);
    }
  }

  /**
   * Lists every record directory's files: calls {@code dataFiles} with each record id that has a
   * data file and {@code metaFiles} with each that has a metadata file; when {@code cleanTemporary},
   * deletes leftover temporary files of interrupted writes too.
   *
   * @return how many temporary files were deleted
   */
  public int scanDirectories(boolean cleanTemporary, Consumer<String> dataFiles, Consumer<String> metaFiles) {
    int cleaned = 0;
    if (!Files.isDirectory(records)) {
      return 0;
    }
    try (var dirs = Files.list(records)) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        if (!Files.isDirectory(dir)) {
          continue;
        }
        if (cleanTemporary) {
          cleaned += AtomicFiles.cleanTemporaryFiles(dir);
        }
        try (var files = Files.list(dir)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            String name = f.getFileName().toString();
            if (name.endsWith(DATA_SUFFIX)) {
              dataFiles.accept(name.substring(0, name.length() - DATA_SUFFIX.length()));
            } else if (name.endsWith(META_SUFFIX)) {
              metaFiles.accept(name.substring(0, name.length() - META_SUFFIX.length()));
            }
          }
        }
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot list " + records + ": " + e.getMessage(), e);
    }
    return cleaned;
  }
}
