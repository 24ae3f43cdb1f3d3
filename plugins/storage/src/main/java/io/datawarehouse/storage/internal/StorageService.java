package io.datawarehouse.storage.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.storage.ByteRange;
import io.datawarehouse.storage.ListPage;
import io.datawarehouse.storage.ListRequest;
import io.datawarehouse.storage.ObjectContent;
import io.datawarehouse.storage.ObjectInfo;
import io.datawarehouse.storage.ObjectKeys;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.Retention;
import io.datawarehouse.storage.RetentionMode;
import io.datawarehouse.storage.WormState;
import io.datawarehouse.storage.query.QueryResult;
import io.datawarehouse.storage.query.QuerySource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The handlers of the {@code storage.*} topics: each takes a request message and returns its
 * reply (a {@link DwException} becomes an error reply with its code). Payloads are {@link
 * Payloads}; content travels base64 in chunks of at most {@code chunkSize} raw bytes, or by
 * reference to a file path on this node.
 *
 * <p>Thread-safe: the bus calls each topic's handler on its own virtual thread; chunked uploads
 * are kept per upload id, in order, in files under {@code uploads/}.
 */
final class StorageService {
  private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final Map<String, ObjectStore> stores;
  private final String defaultStore;
  private final Map<String, Source> sources;
  private final Limits limits;
  private final Path uploads;
  private final Time time;
  private final Map<String, UploadState> open = new ConcurrentHashMap<>();

  /** Limits of requests, from the plugin's configuration. */
  record Limits(int chunkSize, Duration uploadIdle, int lookupContentMax, int maxReplyBytes) {}

  /** A data source and its section of {@code storage.sources} (row caps and timeouts). */
  record Source(QuerySource source, io.datawarehouse.sdk.config.Config config) {}

  private record UploadState(String store, String key, Path file, int nextChunk, long bytes, Instant touched) {}

  StorageService(Map<String, ObjectStore> stores, String defaultStore, Map<String, Source> sources, Limits limits,
      Path uploads, Time time) {
    this(stores, java.util.Set.of(), defaultStore, sources, limits, uploads, time);
  }

  /** @param governanceBypass the stores whose GOVERNANCE retentions action {@code shorten} may shorten */
  StorageService(Map<String, ObjectStore> stores, java.util.Set<String> governanceBypass, String defaultStore,
      Map<String, Source> sources, Limits limits, Path uploads, Time time) {
    this.stores = stores;
    this.governanceBypass = java.util.Set.copyOf(governanceBypass);
    this.defaultStore = defaultStore;
    this.sources = sources;
    this.limits = limits;
    this.uploads = uploads;
    this.time = time;
  }

  private final java.util.Set<String> governanceBypass;

  private ObjectStore store(String name) {
    String n = name == null || name.isBlank() ? defaultStore : name;
    ObjectStore s = stores.get(n);
    if (s == null) {
      throw DwException.notFound("no store named '" + n + "'; configured stores: " + stores.keySet());
    }
    return s;
  }

  private static String storeName(ObjectStore s) {
    return s.name();
  }

  // ---------------------------------------------------------------- write

  Message write(Message m) {
    return doWrite(m, m.json(Payloads.WriteRequest.class), false);
  }

  Message writeWorm(Message m) {
    Payloads.WriteRequest r = m.json(Payloads.WriteRequest.class);
    String action = r.action() == null ? "put" : r.action();
    ObjectStore s = store(r.store());
    switch (action) {
      case "put" -> {
        if (r.retention() == null && !Boolean.TRUE.equals(r.legalHold())) {
          throw DwException.invalidArgument("storage.write.worm needs a retention or legalHold: true");
        }
        return doWrite(m, r, true);
      }
      case "state" -> {
        String key = manages(r, action);
        refuse(action, "retention", r.retention(), "legalHold", r.legalHold(), "bypassGovernanceRetention",
            r.bypassGovernanceRetention());
        return reply(m, wormReply(s, key, s.worm().state(key)));
      }
      case "extend" -> {
        String key = manages(r, action);
        refuse(action, "legalHold", r.legalHold(), "bypassGovernanceRetention", r.bypassGovernanceRetention());
        if (r.retention() == null) {
          throw DwException.invalidArgument("action 'extend' needs a retention");
        }
        return reply(m, wormReply(s, key, s.worm().extendRetention(key, retention(r.retention()))));
      }
      case "shorten" -> {
        String key = manages(r, action);
        refuse(action, "legalHold", r.legalHold());
        if (r.retention() == null) {
          throw DwException.invalidArgument("action 'shorten' needs a retention");
        }
        if (!Boolean.TRUE.equals(r.bypassGovernanceRetention())) {
          throw DwException.invalidArgument("action 'shorten' needs bypassGovernanceRetention: true");
        }
        if (!governanceBypass.contains(storeName(s))) {
          throw DwException.of(io.datawarehouse.sdk.ErrorCode.PERMISSION_DENIED, "store '" + storeName(s)
              + "' does not allow shortening governance retentions (storage.stores." + storeName(s) + ".governanceBypass)");
        }
        return reply(m, wormReply(s, key, s.worm().shortenGovernanceRetention(key, retention(r.retention()))));
      }
      case "legalHold" -> {
        String key = manages(r, action);
        refuse(action, "retention", r.retention(), "bypassGovernanceRetention", r.bypassGovernanceRetention());
        if (r.legalHold() == null) {
          throw DwException.invalidArgument("action 'legalHold' needs legalHold: true or false");
        }
        return reply(m, wormReply(s, key, s.worm().setLegalHold(key, r.legalHold())));
      }
      default -> throw DwException.invalidArgument("unknown action '" + action + "'; actions: put, state, extend, shorten, legalHold");
    }
  }

  /**
   * The validated key of a request that manages an existing object's WORM state ({@code action}
   * state, extend, legalHold): such a request carries no content and no write options.
   */
  private static String manages(Payloads.WriteRequest r, String action) {
    refuse(action, "contentBase64", r.contentBase64(), "path", r.path(), "upload", r.upload(), "contentType",
        r.contentType(), "metadata", r.metadata(), "expectedSha256", r.expectedSha256());
    return ObjectKeys.validate(required(r.key(), "key"));
  }

  /** INVALID_ARGUMENT naming the first of the (name, value) pairs that is set: it has no meaning for {@code action}. */
  private static void refuse(String action, Object... namesAndValues) {
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (namesAndValues[i + 1] != null) {
        throw DwException.invalidArgument("field '" + namesAndValues[i] + "' has no meaning with action '" + action
            + "' (it changes an existing object's WORM state only)");
      }
    }
  }

  private Message doWrite(Message m, Payloads.WriteRequest r, boolean worm) {
    ObjectStore s = store(r.store());
    String key = ObjectKeys.validate(required(r.key(), "key"));
    PutOptions opts = new PutOptions(r.contentType(), r.metadata(), r.expectedSha256(),
        worm && r.retention() != null ? retention(r.retention()) : null, worm && Boolean.TRUE.equals(r.legalHold()));
    if (!worm && (r.retention() != null || r.legalHold() != null || r.action() != null)) {
      throw DwException.invalidArgument("retention, legalHold and action belong on storage.write.worm");
    }
    refuse(worm ? "put" : "storage.write", "bypassGovernanceRetention", r.bypassGovernanceRetention());
    int sources = (r.contentBase64() != null ? 1 : 0) + (r.path() != null ? 1 : 0);
    if (sources != 1) {
      throw DwException.invalidArgument("give exactly one of contentBase64 (with upload for chunks) or path");
    }
    if (r.upload() != null) {
      if (r.contentBase64() == null) {
        throw DwException.invalidArgument("a chunked upload carries its chunks in contentBase64");
      }
      return chunk(m, s, key, r.upload(), decode(r.contentBase64()), opts);
    }
    ObjectInfo info;
    if (r.path() != null) {
      Path p = Path.of(r.path());
      if (!p.isAbsolute()) {
        throw DwException.invalidArgument("path must be absolute, was '" + r.path() + "'");
      }
      try (InputStream in = Files.newInputStream(p)) {
        info = s.put(key, in, Files.size(p), opts);
      } catch (NoSuchFileException e) {
        throw DwException.notFound("no file " + p + " to store under '" + key + "'");
      } catch (IOException e) {
        throw DwException.unavailable("cannot read " + p + ": " + e.getMessage(), e);
      }
    } else {
      byte[] data = decode(r.contentBase64());
      info = s.put(key, new ByteArrayInputStream(data), data.length, opts);
    }
    return reply(m, Payloads.Info.of(storeName(s), info));
  }

  private Message chunk(Message m, ObjectStore s, String key, Payloads.Upload u, byte[] data, PutOptions opts) {
    if (u.id() == null || !UPLOAD_ID.matcher(u.id()).matches()) {
      throw DwException.invalidArgument("upload.id must be 1 to 64 of [A-Za-z0-9_-], was '" + u.id() + "'");
    }
    if (data.length > limits.chunkSize()) {
      throw DwException.invalidArgument("chunk " + u.chunk() + " of upload " + u.id() + " is " + data.length
          + " bytes; chunks are at most " + limits.chunkSize());
    }
    expireIdleUploads();
    UploadState st = open.get(u.id());
    try {
      if (u.chunk() == 0) {
        Files.createDirectories(uploads);
        Path f = uploads.resolve(u.id() + ".part");
        Files.write(f, data);
        st = new UploadState(storeName(s), key, f, 1, data.length, time.now());
      } else {
        if (st == null) {
          throw DwException.notFound("no open upload '" + u.id() + "' (it never started with chunk 0, finished, or "
              + "expired after " + limits.uploadIdle() + " idle)");
        }
        if (!st.key().equals(key) || !st.store().equals(storeName(s))) {
          throw DwException.invalidArgument("upload '" + u.id() + "' is for '" + st.key() + "' in store '" + st.store() + "'");
        }
        if (u.chunk() != st.nextChunk()) {
          throw DwException.invalidArgument("upload '" + u.id() + "' expects chunk " + st.nextChunk() + ", got " + u.chunk());
        }
        Files.write(st.file(), data, StandardOpenOption.APPEND);
        st = new UploadState(st.store(), key, st.file(), st.nextChunk() + 1, st.bytes() + data.length, time.now());
      }
    } catch (IOException e) {
      throw DwException.unavailable("cannot buffer upload '" + u.id() + "': " + e.getMessage(), e);
    }
    if (!u.last()) {
      open.put(u.id(), st);
      return reply(m, new Payloads.UploadProgress(u.id(), st.nextChunk(), st.bytes()));
    }
    open.remove(u.id());
    try (InputStream in = Files.newInputStream(st.file())) {
      return reply(m, Payloads.Info.of(storeName(s), s.put(key, in, st.bytes(), opts)));
    } catch (IOException e) {
      throw DwException.unavailable("cannot read upload buffer " + st.file() + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(st.file());
    }
  }

  private void expireIdleUploads() {
    Instant cutoff = time.now().minus(limits.uploadIdle());
    open.entrySet().removeIf(e -> {
      if (e.getValue().touched().isBefore(cutoff)) {
        deleteQuietly(e.getValue().file());
        return true;
      }
      return false;
    });
  }

  // ---------------------------------------------------------------- read, stat, delete, list

  Message read(Message m) {
    Payloads.ReadRequest r = m.json(Payloads.ReadRequest.class);
    ObjectStore s = store(r.store());
    String key = required(r.key(), "key");
    if (r.path() != null) {
      Path p = Path.of(r.path());
      if (!p.isAbsolute() || r.offset() != null || r.length() != null) {
        throw DwException.invalidArgument("path must be absolute and reads to a path take the whole object");
      }
      try (ObjectContent c = s.get(key, null)) {
        AtomicFiles.write(p, (OutputStream out) -> c.stream().transferTo(out)); // verified as it reaches the end
        return reply(m, new Payloads.ReadReply(Payloads.Info.of(storeName(s), c.info()), 0, c.length(), null, true, null,
            p.toString()));
      }
    }
    long offset = r.offset() == null ? 0 : r.offset();
    long want = r.length() == null ? limits.chunkSize() : r.length();
    if (want < 1 || want > limits.chunkSize()) {
      throw DwException.invalidArgument("length must be between 1 and " + limits.chunkSize() + " (read larger objects in "
          + "chunks with offset, or to a path), was " + want);
    }
    ObjectInfo info = s.stat(key);
    boolean whole = offset == 0 && info.size() <= want;
    try (ObjectContent c = s.get(key, whole ? null : ByteRange.of(offset, want))) {
      byte[] data = c.readAllBytes(); // a whole read is verified against the stored SHA-256 here
      long end = offset + data.length;
      boolean eof = end >= c.info().size() || (whole && data.length == info.size());
      return reply(m, new Payloads.ReadReply(Payloads.Info.of(storeName(s), c.info()), offset, data.length,
          Base64.getEncoder().encodeToString(data), eof, eof ? null : end, null));
    }
  }

  Message stat(Message m) {
    Payloads.KeyRequest r = m.json(Payloads.KeyRequest.class);
    ObjectStore s = store(r.store());
    return reply(m, Payloads.Info.of(storeName(s), s.stat(required(r.key(), "key"))));
  }

  Message delete(Message m) {
    Payloads.KeyRequest r = m.json(Payloads.KeyRequest.class);
    ObjectStore s = store(r.store());
    String key = required(r.key(), "key");
    return reply(m, new Payloads.DeleteReply(storeName(s), key, s.delete(key)));
  }

  Message list(Message m) {
    Payloads.ListRequestBody r = m.json(Payloads.ListRequestBody.class);
    ObjectStore s = store(r.store());
    ListPage page = s.list(new ListRequest(r.prefix(), r.delimiter(), r.pageToken(),
        r.maxKeys() == null ? ListRequest.MAX_KEYS : r.maxKeys()));
    return reply(m, new Payloads.ListReply(storeName(s), page.objects().stream().map(o -> Payloads.Info.of(storeName(s), o)).toList(),
        page.commonPrefixes(), page.nextPageToken()));
  }

  // ---------------------------------------------------------------- query

  Message query(Message m) {
    Payloads.QueryRequest r = m.json(Payloads.QueryRequest.class);
    if (r.source() != null) {
      if (r.store() != null || r.key() != null || r.content() != null) {
        throw DwException.invalidArgument("a query goes to a source (source, sql, params) or looks up an object (store, key), not both");
      }
      Source src = sources.get(r.source());
      if (src == null) {
        throw DwException.notFound("no data source named '" + r.source() + "'; configured sources: " + sources.keySet());
      }
      int maxRowsLimit = src.config().getInt("maxRowsLimit");
      int maxRows = r.maxRows() == null ? Math.min(src.config().getInt("defaultMaxRows"), maxRowsLimit) : r.maxRows();
      if (maxRows < 1 || maxRows > maxRowsLimit) {
        throw DwException.invalidArgument("maxRows must be between 1 and " + maxRowsLimit + " (source '" + r.source()
            + "'), was " + maxRows);
      }
      Duration maxTimeout = src.config().getDuration("maxTimeout");
      Duration timeout = r.timeoutMs() == null ? src.config().getDuration("defaultTimeout") : Duration.ofMillis(r.timeoutMs());
      if (timeout.toMillis() < 1 || timeout.compareTo(maxTimeout) > 0) {
        throw DwException.invalidArgument("timeoutMs must be between 1 and " + maxTimeout.toMillis() + " (source '"
            + r.source() + "'), was " + timeout.toMillis());
      }
      QueryResult result = src.source().query(required(r.sql(), "sql"), r.params() == null ? List.of() : r.params(), maxRows, timeout);
      return reply(m, result);
    }
    if (r.key() == null) {
      throw DwException.invalidArgument("storage.query needs source and sql, or key (and optionally store)");
    }
    ObjectStore s = store(r.store());
    ObjectInfo info = s.stat(r.key());
    String content = null;
    if (Boolean.TRUE.equals(r.content())) {
      if (info.size() > limits.lookupContentMax()) {
        throw DwException.of(ErrorCode.RESOURCE_EXHAUSTED, "'" + r.key() + "' is " + info.size() + " bytes; lookups return "
            + "content up to " + limits.lookupContentMax() + " bytes: use storage.read");
      }
      try (ObjectContent c = s.get(r.key(), null)) {
        content = Base64.getEncoder().encodeToString(c.readAllBytes());
      }
    }
    return reply(m, new Payloads.ObjectLookupReply(storeName(s), r.key(), Payloads.Info.of(storeName(s), info), content));
  }

  // ---------------------------------------------------------------- helpers

  private Message reply(Message request, Object body) {
    byte[] json = Json.toBytes(body);
    if (json.length > limits.maxReplyBytes()) {
      throw DwException.of(ErrorCode.RESOURCE_EXHAUSTED, "the reply would be " + json.length + " bytes, over the bus limit of "
          + limits.maxReplyBytes() + "; ask for less (maxRows, maxKeys, length) or read to a path");
    }
    return Message.replyTo(request).contentType(Message.JSON).payload(json).build();
  }

  private Payloads.WormReply wormReply(ObjectStore s, String key, WormState w) {
    Retention r = w.retention();
    return new Payloads.WormReply(storeName(s), key, r == null ? null : r.mode().name(), r == null ? null : r.retainUntil(),
        w.legalHold());
  }

  private Retention retention(Payloads.RetentionSpec spec) {
    RetentionMode mode = spec.mode() == null ? RetentionMode.COMPLIANCE : RetentionMode.parse(spec.mode());
    if ((spec.retainUntil() == null) == (spec.retainDays() == null)) {
      throw DwException.invalidArgument("retention needs exactly one of retainUntil (ISO-8601) or retainDays");
    }
    if (spec.retainDays() != null && spec.retainDays() < 1) {
      throw DwException.invalidArgument("retainDays must be >= 1, was " + spec.retainDays());
    }
    Instant until = spec.retainUntil() != null ? spec.retainUntil() : time.now().plus(Duration.ofDays(spec.retainDays()));
    return new Retention(mode, until);
  }

  private static byte[] decode(String b64) {
    try {
      return Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw DwException.invalidArgument("contentBase64 is not base64: " + e.getMessage());
    }
  }

  private static String required(String v, String field) {
    if (v == null) {
      throw DwException.invalidArgument("field '" + field + "' is required");
    }
    return v;
  }

  private static void deleteQuietly(Path f) {
    try {
      Files.deleteIfExists(f);
    } catch (IOException ignored) {
      // a leftover upload buffer is removed at the next start
    }
  }
}
