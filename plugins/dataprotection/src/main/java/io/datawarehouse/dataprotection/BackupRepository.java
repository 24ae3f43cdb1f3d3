package io.datawarehouse.dataprotection;

import io.datawarehouse.dataprotection.internal.BackupRun;
import io.datawarehouse.dataprotection.internal.CryptoWarmup;
import io.datawarehouse.dataprotection.internal.FastCdc;
import io.datawarehouse.dataprotection.internal.Pruner;
import io.datawarehouse.dataprotection.internal.RepoContext;
import io.datawarehouse.dataprotection.internal.RepoIndex;
import io.datawarehouse.dataprotection.internal.RepoLayout;
import io.datawarehouse.dataprotection.internal.RepoLock;
import io.datawarehouse.dataprotection.internal.RestoreRun;
import io.datawarehouse.dataprotection.internal.Sealer;
import io.datawarehouse.dataprotection.internal.Validator;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Secret;
import io.datawarehouse.sdk.crypto.Aead;
import io.datawarehouse.sdk.crypto.AeadKey;
import io.datawarehouse.sdk.crypto.Hmac;
import io.datawarehouse.sdk.crypto.HmacKey;
import io.datawarehouse.sdk.crypto.KeyFile;
import io.datawarehouse.sdk.crypto.Keyring;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * A backup repository on local disk: encrypted, deduplicated snapshots of file trees. Start here.
 *
 * <pre>{@code
 * BackupRepository.init(dir, passphrase, BackupRepository.Options.defaults());
 * try (BackupRepository repo = BackupRepository.open(dir, passphrase, Time.SYSTEM)) {
 *   Snapshot s = repo.backup(List.of(Path.of("/data")), BackupType.INCREMENTAL, List.of(), Progress.Listener.NONE);
 *   repo.restore(s.id(), Path.of("/restore"), List.of(), Progress.Listener.NONE);
 *   ValidationReport r = repo.validate(true, false, Progress.Listener.NONE);
 * }
 * }</pre>
 *
 * <h2>Design</h2>
 * Files are cut by FastCDC (min 512 KiB, avg 1 MiB, max 8 MiB by default) into chunks named by
 * HMAC-SHA256 of their content under a key derived from the repository's first data key, so equal
 * content is stored once and ids leak nothing. Each new chunk is zstd-compressed (when that
 * helps), sealed with AES-256-GCM (dw-sdk {@link Aead}, the chunk id as associated data) and
 * appended to a pack file; index files map chunk ids to packs; a snapshot (sealed JSON) records
 * the tree with every file's chunk list. The data keys live in a {@link KeyFile} whose slots
 * wrap them under passphrase-derived keys: passphrases are added or changed without touching the
 * data. File formats: see {@code RepoLayout}, {@code Packs}, {@code RepoIndex} and the README.
 *
 * <p>Locks: backup, restore and validate take a shared repository lock, forget and prune an
 * exclusive one (stale locks of dead processes are removed).
 *
 * <p>Thread-safety: one operation at a time per instance; several processes may use one
 * repository as the locks allow.
 */
public final class BackupRepository implements AutoCloseable {
  private static final String DEFAULT_SLOT = "default";

  /**
   * Settings fixed when a repository is created (stored in its {@code config} file).
   *
   * @param minChunk FastCDC minimum chunk size
   * @param avgChunk FastCDC average (power of two)
   * @param maxChunk FastCDC maximum
   * @param zstdLevel zstd level, 0 for no compression
   * @param packSize target pack size in bytes
   */
  public record Options(int minChunk, int avgChunk, int maxChunk, int zstdLevel, long packSize) {
    /**
     * The zstd level of new repositories: 1. On the benchmark's mixed data (half random, half
     * text and low-entropy bytes), chunk by chunk in one JVM (zstd-jni): level 1 2.3 s of CPU for
     * 1,085 MB, output 760 MB; level 2 3.6 s, 750 MB; level 3 5.9 s, 744 MB. Compression is the
     * largest single cost of a first backup.
     */
    public static final int DEFAULT_ZSTD_LEVEL = 1;
    /** The highest zstd level accepted (levels above 19 need far more memory and time). */
    public static final int MAX_ZSTD_LEVEL = 19;

    /** 512 KiB / 1 MiB / 8 MiB chunks, zstd level {@value #DEFAULT_ZSTD_LEVEL}, 32 MiB packs. */
    public static Options defaults() {
      return new Options(FastCdc.DEFAULT_MIN, FastCdc.DEFAULT_AVG, FastCdc.DEFAULT_MAX, DEFAULT_ZSTD_LEVEL, 32L << 20);
    }

    /** These options with another zstd level (0 for no compression). */
    public Options withZstdLevel(int level) {
      return new Options(minChunk, avgChunk, maxChunk, level, packSize);
    }
  }

  /** The body of the {@code config} file (not secret). */
  record RepoConfig(int version, String id, Instant created, int minChunk, int avgChunk, int maxChunk, int zstdLevel,
      long packSize) {}

  private final RepoContext ctx;
  private final KeyFile keyFile;
  private final Keyring keyring;

  private BackupRepository(RepoContext ctx, KeyFile keyFile, Keyring keyring) {
    this.ctx = ctx;
    this.keyFile = keyFile;
    this.keyring = keyring;
  }

  /** The repository's layout, keys and settings (tests reach the files through it). */
  RepoContext context() {
    return ctx;
  }

  /**
   * Creates a repository in {@code dir} (which must be missing or empty).
   *
   * @return the repository's id
   * @throws DwException ALREADY_EXISTS when {@code dir} holds files; INVALID_ARGUMENT for an empty passphrase
   */
  public static String init(Path dir, Secret passphrase, Options options, Time time) {
    if (passphrase == null || passphrase.isEmpty()) {
      throw DwException.invalidArgument("a repository needs a non-empty passphrase (DW_BACKUP_PASSPHRASE or the prompt)");
    }
    new FastCdc(options.minChunk(), options.avgChunk(), options.maxChunk(), 0); // validates the sizes
    if (options.zstdLevel() < 0 || options.zstdLevel() > Options.MAX_ZSTD_LEVEL) {
      throw DwException.invalidArgument("zstd level " + options.zstdLevel() + " is out of range 0.." + Options.MAX_ZSTD_LEVEL
          + " (0: no compression)");
    }
    RepoLayout layout = new RepoLayout(dir);
    if (Files.exists(layout.root())) {
      try (Stream<Path> s = Files.list(layout.root())) {
        if (s.findAny().isPresent()) {
          throw DwException.of(ErrorCode.ALREADY_EXISTS, layout.root() + " is not empty; a repository is created in a new or empty directory");
        }
      } catch (IOException e) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read " + layout.root() + ": " + e.getMessage(), e);
      }
    }
    try {
      for (Path d : List.of(layout.dataDir(), layout.indexDir(), layout.snapshotDir(), layout.lockDir(), layout.keyFile().getParent())) {
        Files.createDirectories(d);
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot create " + layout.root() + ": " + e.getMessage(), e);
    }
    String id = RepoLayout.newName();
    try (KeyFile kf = KeyFile.create(layout.keyFile(), DEFAULT_SLOT, passphrase)) {
      kf.keyIds(); // created and unlocked
    }
    RepoConfig cfg = new RepoConfig(RepoLayout.VERSION, id, time.now(), options.minChunk(), options.avgChunk(),
        options.maxChunk(), options.zstdLevel(), options.packSize());
    FramedFile.write(layout.config(), RepoLayout.CONFIG_MAGIC, RepoLayout.VERSION, Json.toBytes(cfg));
    return id;
  }

  /**
   * Starts warming up AES-GCM and HMAC-SHA256 on a background thread (once per JVM; returns at
   * once). Call it before {@link #open} when the operation will move much data (a restore, a full
   * backup, a validation that reads data): the warm-up then runs beside the passphrase key
   * derivation in {@code open} instead of after it. No key or repository data is involved.
   */
  public static void warmUpCrypto() {
    CryptoWarmup.start();
  }

  /**
   * Opens a repository.
   *
   * @throws DwException NOT_FOUND when {@code dir} is not a repository; PERMISSION_DENIED when the
   *     passphrase opens no key slot; INTEGRITY when the config or key file is damaged
   */
  public static BackupRepository open(Path dir, Secret passphrase, Time time) {
    RepoLayout layout = new RepoLayout(dir);
    if (!Files.exists(layout.config())) {
      throw DwException.notFound(layout.root() + " is not a backup repository (no config file); create one with dw backup init");
    }
    RepoConfig cfg = Json.fromBytes(FramedFile.read(layout.config(), RepoLayout.CONFIG_MAGIC, 1, 1).body(),
        RepoConfig.class, layout.config().toString());
    CryptoWarmup.preload(); // class loading and native set-up, beside the passphrase derivation
    KeyFile kf = unlock(layout, passphrase);
    Keyring ring = kf.keyring();
    AeadKey first = ring.find(kf.keyIds().get(0)).orElseThrow();
    HmacKey idKey = HmacKey.derive(first, "dataprotection chunk id " + cfg.id());
    Hmac ids = Hmac.create(idKey);
    long seed = ByteBuffer.wrap(Hmac.create(HmacKey.derive(first, "dataprotection fastcdc gear " + cfg.id()))
        .sign(new byte[] {1})).getLong();
    FastCdc chunker = new FastCdc(cfg.minChunk(), cfg.avgChunk(), cfg.maxChunk(), seed);
    Sealer sealer = new Sealer(Aead.create(ring), ids, cfg.zstdLevel());
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    RepoContext ctx = new RepoContext(layout, sealer, chunker, time, cfg.packSize(), threads);
    return new BackupRepository(ctx, kf, ring);
  }

  /** A key file being unlocked ahead of {@link #open}: for which directory and passphrase. */
  private record Ahead(Path root, Secret passphrase, CompletableFuture<KeyFile> keyFile) {}

  private static final AtomicReference<Ahead> AHEAD = new AtomicReference<>();

  /**
   * Starts unlocking the key file of the repository at {@code dir} with {@code passphrase} on a
   * background thread (the passphrase key derivation, PBKDF2 with 600,000 iterations, is most of
   * the CPU time of opening a repository) and returns at once. The next {@link #open} of the same
   * directory with an equal passphrase takes the result, or its error, instead of deriving again;
   * an open that differs derives as usual (and the early result is closed). So a command line can
   * start the derivation before it parses its arguments and sets up logging, and the two overlap
   * on two cores. Does nothing when {@code dir} holds no key file or another unlock is pending.
   */
  public static void unlockAhead(Path dir, Secret passphrase) {
    if (passphrase == null || passphrase.isEmpty()) {
      return;
    }
    RepoLayout layout = new RepoLayout(dir);
    if (!Files.isRegularFile(layout.keyFile())) {
      return;
    }
    Ahead a = new Ahead(layout.root(), passphrase, new CompletableFuture<>());
    if (!AHEAD.compareAndSet(null, a)) {
      return;
    }
    CryptoWarmup.preload();
    Thread t = new Thread(() -> {
      try {
        a.keyFile().complete(KeyFile.unlock(layout.keyFile(), passphrase));
      } catch (Throwable e) {
        a.keyFile().completeExceptionally(e);
      }
    }, "dataprotection-unlock");
    t.setDaemon(true);
    t.start();
  }

  /** The key file unlocked: by {@link #unlockAhead} when it matches, else here. */
  private static KeyFile unlock(RepoLayout layout, Secret passphrase) {
    Ahead a = AHEAD.getAndSet(null);
    if (a == null) {
      return KeyFile.unlock(layout.keyFile(), passphrase);
    }
    if (!a.root().equals(layout.root()) || !a.passphrase().equals(passphrase)) {
      a.keyFile().thenAccept(KeyFile::close);
      return KeyFile.unlock(layout.keyFile(), passphrase);
    }
    try {
      return a.keyFile().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /** The repository's directory. */
  public Path path() {
    return ctx.layout().root();
  }

  /**
   * Backs up {@code sources} as a new snapshot (shared lock).
   *
   * @param type full, incremental or differential; without a suitable parent it is recorded as full
   * @param tags tags for retention
   * @return the snapshot written
   * @throws DwException INVALID_ARGUMENT for a missing source; CONFLICT when an exclusive lock is held
   */
  public Snapshot backup(List<Path> sources, BackupType type, List<String> tags, Progress.Listener listener) {
    try (RepoLock lock = RepoLock.acquire(ctx.layout(), ctx.time(), false, "backup")) {
      try (RepoIndex index = RepoIndex.load(ctx.layout(), ctx.sealer(), null)) {
        return BackupRun.run(ctx, index, lock, sources, type, tags, listener);
      }
    }
  }

  /** Every snapshot without file lists, oldest first. */
  public List<Snapshot.Summary> snapshots() {
    return ctx.readAllSummaries();
  }

  /** A snapshot by id, unique prefix or {@code latest}. */
  public Snapshot snapshot(String idOrPrefix) {
    return ctx.readSnapshot(ctx.resolveSnapshot(idOrPrefix));
  }

  /**
   * Restores a snapshot (or the entries under {@code paths}) into {@code target}, verifying every
   * byte (shared lock).
   *
   * @param paths snapshot paths ({@code data/sub}) or original absolute paths; empty for everything
   * @return what was restored and, by path, what could not be
   */
  public RestoreResult restore(String snapshot, Path target, List<String> paths, Progress.Listener listener) {
    CryptoWarmup.start();
    return locked(false, "restore", () -> {
      Snapshot s = snapshot(snapshot);
      try (RepoIndex index = RepoIndex.load(ctx.layout(), ctx.sealer(), (n, e) -> { })) {
        return RestoreRun.run(ctx, index, s, target, paths, listener);
      }
    });
  }

  /**
   * Validates the repository (shared lock).
   *
   * @param readData re-read and verify every blob of every pack
   * @param testRestore restore the latest snapshot into a temporary directory and compare
   */
  public ValidationReport validate(boolean readData, boolean testRestore, Progress.Listener listener) {
    if (readData || testRestore) {
      CryptoWarmup.start();
    }
    return locked(false, "validate", () -> Validator.run(ctx, readData, testRestore, null, listener));
  }

  /**
   * Removes the snapshots {@code policy} does not keep (exclusive lock); their data stays until
   * {@link #prune}.
   *
   * @param dryRun decide and report, remove nothing
   * @return one decision per snapshot, newest first
   */
  public List<RetentionPolicy.Decision> forget(RetentionPolicy policy, boolean dryRun, ZoneId zone) {
    return locked(true, "forget", () -> {
      List<RetentionPolicy.Decision> d = policy.apply(snapshots(), ctx.time().now(), zone);
      if (!dryRun) {
        for (RetentionPolicy.Decision x : d) {
          if (!x.keep()) {
            try {
              Files.deleteIfExists(ctx.layout().snapshot(x.snapshot().id()));
            } catch (IOException e) {
              throw DwException.of(ErrorCode.UNAVAILABLE, "cannot remove snapshot " + x.snapshot().id() + ": " + e.getMessage(), e);
            }
          }
        }
      }
      return d;
    });
  }

  /** Removes unreferenced data and leftovers (exclusive lock). */
  public PruneResult prune(Progress.Listener listener) {
    return locked(true, "prune", () -> Pruner.run(ctx, listener));
  }

  private <T> T locked(boolean exclusive, String operation, java.util.function.Supplier<T> body) {
    RepoLock lock = RepoLock.acquire(ctx.layout(), ctx.time(), exclusive, operation);
    try {
      return body.get();
    } finally {
      lock.close();
    }
  }

  /** Adds a passphrase slot; the data is not re-encrypted. ALREADY_EXISTS when the label is taken. */
  public void addPassphrase(String label, Secret passphrase) {
    keyFile.addPassphrase(label, passphrase);
  }

  /** Replaces the passphrase of slot {@code label} (the first is {@code default}); the data is not re-encrypted. */
  public void changePassphrase(String label, Secret passphrase) {
    keyFile.changePassphrase(label, passphrase);
  }

  /** Removes a passphrase slot; FAILED_PRECONDITION for the last one. */
  public void removePassphrase(String label) {
    keyFile.removeSlot(label);
  }

  /** The labels of the key slots. */
  public List<String> keySlots() {
    List<String> out = new ArrayList<>();
    for (KeyFile.Slot s : keyFile.slots()) {
      out.add(s.label());
    }
    return out;
  }

  /** Closes the key file and wipes the keys held in memory. */
  @Override
  public void close() {
    keyring.destroy();
    keyFile.close();
  }
}
