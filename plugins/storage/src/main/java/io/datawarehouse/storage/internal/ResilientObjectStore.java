package io.datawarehouse.storage.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.sdk.provider.JournalRecord;
import io.datawarehouse.sdk.provider.ResilienceOptions;
import io.datawarehouse.sdk.provider.ResilientBackend;
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
import io.datawarehouse.storage.Worm;
import io.datawarehouse.storage.WormState;
import io.datawarehouse.storage.local.LocalObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A remote store behind the provider pattern ({@link ResilientBackend}): connected, every call
 * goes to the real store (retries, breaker); unreachable, the store is DEGRADED in health, puts of
 * up to {@code journalObjectMax} bytes and deletes are journaled to disk, served from a bounded
 * fallback (a local store in {@code <dataDir>/fallback}) and replayed, in order and idempotently,
 * when the service answers again. Larger puts, listings and WORM management need the real store
 * and fail with UNAVAILABLE while it is down (a listing of the fallback alone would be a lie), as
 * do reads of objects the fallback does not hold.
 *
 * <p>Journal records: {@code put} (payload: u32 length, the put's options as JSON, the content)
 * and {@code delete}. A replayed put whose object already has the same SHA-256 is skipped, so a
 * replay interrupted by a crash applies nothing twice in effect.
 *
 * <p>Thread-safe.
 */
final class ResilientObjectStore implements ObjectStore {
  private final String name;
  private final String type;
  private final long journalObjectMax;
  private final ResilientBackend<ObjectStore> backend;

  /** The options of a journaled put. */
  record JournaledPut(String contentType, Map<String, String> metadata, String sha256, Retention retention, boolean legalHold) {}

  ResilientObjectStore(String name, String type, String target, Supplier<ObjectStore> connect, ResilienceOptions options,
      long journalObjectMax, Path dataDir, Time time, ScheduledExecutorService scheduler, MeterRegistry metrics) {
    this.name = name;
    this.type = type;
    this.journalObjectMax = journalObjectMax;
    Path fallbackRoot = dataDir.resolve("fallback");
    AtomicInteger generation = new AtomicInteger();
    LocalObjectStore[] current = new LocalObjectStore[1];
    Supplier<ObjectStore> fallback = () -> {
      synchronized (current) {
        if (current[0] != null) {
          current[0].close();
          deleteTree(current[0].root());
        }
        current[0] = LocalObjectStore.open(name + "-fallback", fallbackRoot.resolve("g" + generation.incrementAndGet()), time);
        return current[0];
      }
    };
    deleteTree(fallbackRoot); // the journal, not the fallback, carries writes across restarts
    this.backend = ResilientBackend.<ObjectStore>builder("storage." + name)
        .target(target)
        .connector(connect::get)
        .probe(s -> {
          Health h = s.probe();
          if (h.status() == Health.Status.DOWN) {
            throw DwException.unavailable(h.message(), null);
          }
        })
        .applier(ResilientObjectStore::apply)
        .closer(ObjectStore::close)
        .fallback(fallback)
        .options(options)
        .journalDir(dataDir.resolve("journal"))
        .time(time)
        .scheduler(scheduler)
        .metrics(metrics, "dw.storage.store")
        .build();
  }

  void start() {
    backend.start();
  }

  ResilientBackend.State state() {
    return backend.state();
  }

  /** Runs one probe now (tests; the backend also probes on its own schedule). */
  void probeNow() {
    backend.probeOnce();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return type;
  }

  // ---------------------------------------------------------------- writes

  @Override
  public ObjectInfo put(String key, InputStream content, long sizeHint, PutOptions options) {
    ObjectKeys.validate(key);
    PutOptions opts = options == null ? PutOptions.DEFAULT : options;
    byte[] head;
    try {
      head = content.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, journalObjectMax + 1));
    } catch (IOException e) {
      throw DwException.unavailable("cannot read the content for '" + key + "': " + e.getMessage(), e);
    }
    if (head.length > journalObjectMax) {
      return putLarge(key, new SequenceInputStream(new ByteArrayInputStream(head), content), sizeHint, opts);
    }
    String sha = PutOptions.hex(HashingInputStream.sha256().digest(head));
    opts.verifySha256(key, sha);
    byte[] header = Json.toBytes(new JournaledPut(opts.contentType(), opts.metadata(), sha, opts.retention(), opts.legalHold()));
    byte[] payload = ByteBuffer.allocate(4 + header.length + head.length).putInt(header.length).put(header).put(head).array();
    backend.write("put", key, payload);
    return new ObjectInfo(key, head.length, sha, opts.contentType(), opts.metadata(), Instant.now(), null,
        new WormState(opts.retention(), opts.legalHold()));
  }

  /** Too large to journal: straight to the real store, once (a consumed stream cannot be retried). */
  private ObjectInfo putLarge(String key, InputStream content, long sizeHint, PutOptions opts) {
    requireConnected("a put over " + journalObjectMax + " bytes (journalObjectMax)");
    AtomicBoolean tried = new AtomicBoolean();
    return backend.read(s -> {
      if (!tried.compareAndSet(false, true)) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "the upload of '" + key + "' to store '" + name
            + "' failed part-way and its stream cannot be replayed; send it again");
      }
      return s.put(key, content, sizeHint, opts);
    });
  }

  @Override
  public boolean delete(String key) {
    ObjectKeys.validate(key);
    boolean existed;
    if (backend.state() == ResilientBackend.State.CONNECTED) {
      existed = backend.read(s -> {
        try {
          s.stat(key).worm().refuseIfLocked("delete", key, name, Instant.now());
          return true;
        } catch (DwException e) {
          if (e.code() == ErrorCode.NOT_FOUND) {
            return false;
          }
          throw e;
        }
      });
      if (!existed) {
        return false;
      }
    } else {
      existed = true; // unknown while the service is down: the journaled delete applies when it returns
    }
    backend.write("delete", key, new byte[0]);
    return existed;
  }

  static void apply(ObjectStore s, JournalRecord r) throws IOException {
    switch (r.type()) {
      case "put" -> {
        ByteBuffer b = ByteBuffer.wrap(r.payload());
        byte[] header = new byte[b.getInt()];
        b.get(header);
        JournaledPut p = Json.fromBytes(header, JournaledPut.class, "journaled put of '" + r.key() + "'");
        try {
          if (p.sha256().equals(s.stat(r.key()).sha256())) {
            return; // applied before (a replay after a crash): nothing to do
          }
        } catch (DwException e) {
          if (e.code() != ErrorCode.NOT_FOUND) {
            throw e;
          }
        }
        PutOptions o = new PutOptions(p.contentType(), p.metadata(), p.sha256(), p.retention(), p.legalHold());
        if (p.retention() != null && !p.retention().activeAt(Instant.now())) {
          o = o.withRetention(null); // expired while journaled: nothing left to protect
        }
        s.put(r.key(), new ByteArrayInputStream(r.payload(), b.position(), b.remaining()), b.remaining(), o);
      }
      case "delete" -> s.delete(r.key());
      default -> throw DwException.integrity("journal record of unknown type '" + r.type() + "' for '" + r.key() + "'");
    }
  }

  // ---------------------------------------------------------------- reads

  @Override
  public ObjectContent get(String key, ByteRange range) {
    ObjectKeys.validate(key);
    return lookup(key, s -> s.get(key, range));
  }

  @Override
  public ObjectInfo stat(String key) {
    ObjectKeys.validate(key);
    return lookup(key, s -> s.stat(key));
  }

  private <T> T lookup(String key, ResilientBackend.Operation<ObjectStore, T> op) {
    Optional<T> r = backend.readOrUnavailable(s -> {
      try {
        return Optional.of(op.apply(s));
      } catch (DwException e) {
        if (e.code() == ErrorCode.NOT_FOUND) {
          return Optional.empty();
        }
        throw e;
      }
    });
    return r.orElseThrow(() -> DwException.notFound("no object '" + key + "' in store '" + name + "'"));
  }

  @Override
  public ListPage list(ListRequest request) {
    requireConnected("listing");
    return backend.read(s -> s.list(request));
  }

  @Override
  public Worm worm() {
    requireConnected("WORM management");
    return backend.read(ObjectStore::worm);
  }

  private void requireConnected(String what) {
    if (backend.state() != ResilientBackend.State.CONNECTED) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "store '" + name + "' is " + backend.state().name().toLowerCase(java.util.Locale.ROOT)
          + " (" + backend.target() + "); " + what + " needs the service itself: retry when it is back");
    }
  }

  @Override
  public Health probe() {
    return backend.health().withDetail("type", type);
  }

  @Override
  public void close() {
    backend.close();
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        p.toFile().setWritable(true);
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw DwException.unavailable("cannot clear the fallback under " + root + ": " + e.getMessage(), e);
    }
  }
}
