package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.sdk.crypto.Aead;
import io.datawarehouse.sdk.crypto.AeadKey;
import io.datawarehouse.sdk.crypto.Hmac;
import io.datawarehouse.sdk.crypto.HmacKey;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Warms up the JIT for AES-GCM and HMAC-SHA256 once per JVM, on a background thread, started as
 * soon as an operation knows it will move a lot of data (a restore, a validation that reads data,
 * a full backup, an incremental that reads more than 256 MiB), so that it runs while the index
 * load and the tree scan keep the caller busy. Incrementals that read little skip it: there it
 * costs more CPU than it saves.
 *
 * <p>Why: the JDK's AES-GCM runs its fast (AES-NI, carry-less multiply) path only from compiled
 * code, and only for inputs of several KiB. A blob of 1 MiB is one call: the first few hundred
 * calls would run the interpreted path at a few tens of MB/s, hundreds of MiB in all. Running
 * the same code over 16 KiB buffers with a throwaway key gets it compiled at a fraction of that
 * cost. No secret or repository data is involved.
 */
public final class CryptoWarmup {
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private CryptoWarmup() {}

  /** Starts the warm-up once per JVM; returns at once. */
  public static void start() {
    if (!STARTED.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(CryptoWarmup::run, "dataprotection-crypto-warmup");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  private static final AtomicBoolean PRELOADED = new AtomicBoolean();

  /**
   * Once per JVM, on a background thread: loads and initializes what every operation needs after
   * the key derivation (the zstd native library, the JSON mapping of snapshots, the AES-GCM and
   * HMAC providers), so that this start-up work runs beside the passphrase key derivation (one
   * core) instead of after it. Returns at once; uses no key and no repository data.
   */
  public static void preload() {
    if (!PRELOADED.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(CryptoWarmup::preloadNow, "dataprotection-preload");
    t.setDaemon(true);
    t.start();
  }

  private static void preloadNow() {
    try {
      byte[] small = new byte[256];
      byte[] z = com.github.luben.zstd.Zstd.compress(small, 3);
      com.github.luben.zstd.Zstd.decompress(z, small.length);
      new com.github.luben.zstd.ZstdDecompressCtx().close();
      io.datawarehouse.dataprotection.Snapshot s = new io.datawarehouse.dataprotection.Snapshot(
          io.datawarehouse.dataprotection.Snapshot.VERSION, RepoLayout.newName(), java.time.Instant.now(), "full", null,
          java.util.List.of("/x"), "h", java.util.List.of(), new io.datawarehouse.dataprotection.Snapshot.Stats(
              1, 1, 0, 1, 1, 0, 1, 1, 0, 1),
          java.util.List.of(new io.datawarehouse.dataprotection.Snapshot.FileEntry("x/a", "file", 1, 0644,
              java.time.Instant.now(), 1, null, java.util.List.of(RepoLayout.newName() + RepoLayout.newName()))));
      io.datawarehouse.sdk.json.Json.fromBytes(io.datawarehouse.sdk.json.Json.toBytes(s),
          io.datawarehouse.dataprotection.Snapshot.class, "preload");
      AeadKey key = AeadKey.generate();
      Aead aead = Aead.create(key);
      aead.decrypt(aead.encrypt(small, small), small);
      Hmac.create(HmacKey.generate()).sign(small, 0, small.length);
      key.destroy();
    } catch (RuntimeException | LinkageError e) {
      // only a head start: whatever failed here is done (and reported) where it is needed
    }
  }

  private static void run() {
    AeadKey key = AeadKey.generate();
    Aead aead = Aead.create(key);
    Hmac hmac = Hmac.create(HmacKey.generate());
    byte[] data = new byte[Integer.getInteger("dw.dataprotection.warmupSize", 16 * 1024)];
    byte[] aad = new byte[BlobId.SIZE + 1];
    int n = Integer.getInteger("dw.dataprotection.warmupIterations", 1200);
    for (int i = 0; i < n; i++) {
      aead.decrypt(aead.encrypt(data, aad), aad);
      hmac.sign(data, 0, data.length);
    }
    key.destroy();
  }
}
