package io.datawarehouse.connector.azureblob;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobImmutabilityPolicy;
import com.azure.storage.blob.models.BlobImmutabilityPolicyMode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.options.BlockBlobStageBlockOptions;
import com.azure.storage.blob.specialized.BlobInputStream;
import com.azure.storage.blob.specialized.BlockBlobClient;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.storage.ByteRange;
import io.datawarehouse.storage.ChunkedContent;
import io.datawarehouse.storage.ListPage;
import io.datawarehouse.storage.ListRequest;
import io.datawarehouse.storage.ObjectContent;
import io.datawarehouse.storage.ObjectInfo;
import io.datawarehouse.storage.ObjectKeys;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.Retention;
import io.datawarehouse.storage.RetentionMode;
import io.datawarehouse.storage.StoreSpec;
import io.datawarehouse.storage.VerifyingInputStream;
import io.datawarehouse.storage.Worm;
import io.datawarehouse.storage.WormState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The {@code azure-blob} store: block blobs in one container.
 *
 * <p>Puts read the content in blocks of {@code blockSize} while hashing it (SHA-256). Content that
 * ends within {@code singleUploadThreshold} goes up in one Put Blob; larger content is staged as
 * blocks, {@code parallelism} at a time (memory: (parallelism + 1) x blockSize), and committed
 * with one Put Block List: until that commit nothing is visible, and uncommitted blocks of a
 * failed upload are discarded by the service. The SHA-256 is stored as metadata {@code dwsha256}
 * in both cases (the block list is committed after the last byte is hashed) and checked on full
 * reads.
 *
 * <p>WORM uses version-level immutability: an immutability policy (COMPLIANCE maps to a locked
 * policy, GOVERNANCE to an unlocked one) and a legal hold, set with the write or afterwards. It
 * needs a container with version-level immutability, checked before a WORM write (UNSUPPORTED
 * when absent, before anything is written). Where the service refuses a WORM call (Azurite answers
 * 501 Not Implemented), it fails with UNSUPPORTED carrying the service's words; a WORM write is
 * read back and reported when the service did not keep its lock.
 *
 * <p>Thread-safe.
 */
final class AzureBlobObjectStore implements ObjectStore, Worm {
  static final String SHA_META = "dwsha256";

  private final String name;
  private final String containerName;
  private final BlobContainerClient container;
  private final long threshold;
  private final int blockSize;
  private final int parallelism;
  private final Duration timeout;
  private final boolean createContainer;
  private final ExecutorService blocks;
  private volatile boolean containerReady;
  private volatile boolean immutabilityChecked;

  AzureBlobObjectStore(StoreSpec spec, String containerName) {
    Config o = spec.options();
    this.name = spec.name();
    this.containerName = containerName;
    this.threshold = o.getSize("singleUploadThreshold");
    this.blockSize = Math.toIntExact(o.getSize("blockSize"));
    this.parallelism = o.getInt("parallelism");
    this.timeout = o.getDuration("requestTimeout");
    this.createContainer = o.isTrue("createContainer");
    BlobContainerClientBuilder b = new BlobContainerClientBuilder().containerName(containerName)
        .httpClient(new JdkHttpClientBuilder().connectionTimeout(Duration.ofSeconds(10)).build());
    if (o.getPassword("connectionString") != null) {
      b.connectionString(o.getPassword("connectionString").reveal());
    } else if (o.getPassword("accountKey") != null) {
      b.endpoint(o.getString("endpoint"))
          .credential(new StorageSharedKeyCredential(o.getString("accountName"), o.getPassword("accountKey").reveal()));
    } else {
      b.endpoint(o.getString("endpoint")).sasToken(o.getPassword("sasToken").reveal());
    }
    this.container = b.buildClient();
    this.blocks = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("dw-azure-" + name + "-block-", 0).factory());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return "azure-blob";
  }

  private BlobClient blob(String key) {
    ensureContainer();
    return container.getBlobClient(key);
  }

  private void ensureContainer() {
    if (containerReady || !createContainer) {
      return;
    }
    try {
      container.createIfNotExists();
      containerReady = true;
    } catch (RuntimeException e) {
      throw fail("create the container for", "", e);
    }
  }

  // ---------------------------------------------------------------- put

  @Override
  public ObjectInfo put(String key, InputStream content, long sizeHint, PutOptions options) {
    ObjectKeys.validate(key);
    PutOptions opts = options == null ? PutOptions.DEFAULT : options;
    if (opts.retention() != null) {
      opts.retention().requireFuture(key, Instant.now());
    }
    if (opts.isWorm()) {
      requireImmutabilitySupport();
    }
    BlockBlobClient bb = blob(key).getBlockBlobClient();
    checkNotLocked(key, "overwrite", properties(key, bb));
    ChunkedContent in = new ChunkedContent(content, blockSize, sizeHint);
    try {
      if (in.readAhead(threshold)) {
        String sha = in.sha256Hex();
        long total = in.count();
        opts.verifySha256(key, sha);
        BlockBlobSimpleUploadOptions up = new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(in.buffered()))
            .setHeaders(new BlobHttpHeaders().setContentType(opts.contentType())).setMetadata(metadata(opts, sha));
        if (opts.retention() != null) {
          up.setImmutabilityPolicy(policy(opts.retention()));
        }
        if (opts.legalHold()) {
          up.setLegalHold(true);
        }
        var r = bb.uploadWithResponse(up, timeout, Context.NONE).getValue();
        ObjectInfo info = new ObjectInfo(key, total, sha, opts.contentType(), opts.metadata(), r.getLastModified().toInstant(),
            r.getETag(), new WormState(opts.retention(), opts.legalHold()));
        return verifyWormApplied(key, bb, opts, info);
      }
      return putBlocks(key, bb, in, opts);
    } catch (IOException e) {
      throw DwException.unavailable("cannot read the content for '" + key + "': " + e.getMessage(), e);
    } catch (DwException e) {
      throw e;
    } catch (RuntimeException e) {
      throw fail("put", key, e);
    }
  }

  private ObjectInfo putBlocks(String key, BlockBlobClient bb, ChunkedContent in, PutOptions opts)
      throws IOException {
    String uploadId = Long.toHexString(System.nanoTime() & 0xFFFFFFFFL);
    Semaphore inFlight = new Semaphore(parallelism);
    List<Future<String>> futures = new ArrayList<>();
    long total = 0;
    try {
      int n = 0;
      while (true) {
        byte[] chunk = in.next();
        if (chunk.length == 0) {
          break;
        }
        total += chunk.length;
        for (Future<String> f : futures) {
          if (f.isDone()) {
            f.get();
          }
        }
        inFlight.acquire();
        // block ids of one blob must all have the same length
        String id = Base64.getEncoder().encodeToString(String.format("%s-%08d", uploadId, n++).getBytes(StandardCharsets.US_ASCII));
        byte[] data = chunk;
        futures.add(blocks.submit(() -> {
          try {
            bb.stageBlockWithResponse(new BlockBlobStageBlockOptions(id, BinaryData.fromBytes(data)), timeout, Context.NONE);
            return id;
          } finally {
            inFlight.release();
          }
        }));
        if (chunk.length < blockSize) {
          break;
        }
      }
      List<String> ids = new ArrayList<>();
      for (Future<String> f : futures) {
        ids.add(f.get());
      }
      String sha = in.sha256Hex();
      opts.verifySha256(key, sha);
      BlockBlobCommitBlockListOptions commit = new BlockBlobCommitBlockListOptions(ids)
          .setHeaders(new BlobHttpHeaders().setContentType(opts.contentType())).setMetadata(metadata(opts, sha));
      if (opts.retention() != null) {
        commit.setImmutabilityPolicy(policy(opts.retention()));
      }
      if (opts.legalHold()) {
        commit.setLegalHold(true);
      }
      var r = bb.commitBlockListWithResponse(commit, timeout, Context.NONE).getValue();
      ObjectInfo info = new ObjectInfo(key, total, sha, opts.contentType(), opts.metadata(), r.getLastModified().toInstant(),
          r.getETag(), new WormState(opts.retention(), opts.legalHold()));
      return verifyWormApplied(key, bb, opts, info);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "upload of '" + key + "' to store '" + name + "' was interrupted", e);
    } catch (ExecutionException e) {
      futures.forEach(f -> f.cancel(true));
      throw e.getCause() instanceof RuntimeException re ? fail("stage a block of", key, re)
          : DwException.wrap(e.getCause(), "upload of '" + key + "' to store '" + name + "'");
    } catch (RuntimeException | IOException e) {
      futures.forEach(f -> f.cancel(true));
      throw e; // staged blocks were never committed: nothing is visible; the service discards them
    }
  }

  /**
   * Checks, before anything is written, that the container has version-level immutability: a
   * service that lacks it may accept the policy headers and drop them (Azurite does).
   */
  private void requireImmutabilitySupport() {
    if (immutabilityChecked) {
      return;
    }
    ensureContainer();
    Boolean enabled;
    try {
      enabled = container.getPropertiesWithResponse(null, timeout, Context.NONE).getValue().isImmutableStorageWithVersioningEnabled();
    } catch (RuntimeException e) {
      throw fail("read the properties of the container for", "", e);
    }
    if (!Boolean.TRUE.equals(enabled)) {
      throw DwException.unsupported("store '" + name + "': container '" + containerName + "' does not have version-level "
          + "immutability (the service reports immutableStorageWithVersioning=" + enabled + "); WORM writes need a "
          + "container created with it");
    }
    immutabilityChecked = true;
  }

  /**
   * A WORM put whose policy the service did not keep must not pass for locked: read it back and
   * say so when it is absent (the blob stays: deleting it could lose the only copy).
   */
  private ObjectInfo verifyWormApplied(String key, BlockBlobClient bb, PutOptions opts, ObjectInfo info) {
    if (!opts.isWorm()) {
      return info;
    }
    WormState actual = worm(bb.getProperties());
    boolean ok = (opts.retention() == null || actual.retention() != null) && (!opts.legalHold() || actual.legalHold());
    if (!ok) {
      throw DwException.of(ErrorCode.INTERNAL, "store '" + name + "': '" + key + "' was written but the service did not "
          + "apply the requested immutability policy or legal hold (it reads back as " + actual + "); it is NOT protected");
    }
    return info;
  }

  private static Map<String, String> metadata(PutOptions opts, String sha) {
    Map<String, String> m = new HashMap<>(opts.metadata());
    m.put(SHA_META, sha);
    return m;
  }

  private static BlobImmutabilityPolicy policy(Retention r) {
    return new BlobImmutabilityPolicy().setExpiryTime(r.retainUntil().atOffset(ZoneOffset.UTC))
        .setPolicyMode(r.mode() == RetentionMode.COMPLIANCE ? BlobImmutabilityPolicyMode.LOCKED : BlobImmutabilityPolicyMode.UNLOCKED);
  }

  // ---------------------------------------------------------------- read

  @Override
  public ObjectContent get(String key, ByteRange range) {
    ObjectKeys.validate(key);
    BlobClient b = blob(key);
    BlobInputStream in;
    try {
      BlobInputStreamOptions o = new BlobInputStreamOptions().setBlockSize(Math.min(blockSize, 4 * 1024 * 1024));
      if (range != null) {
        o.setRange(range.length() == ByteRange.TO_END ? new BlobRange(range.offset()) : new BlobRange(range.offset(), range.length()));
      }
      in = b.openInputStream(o, Context.NONE);
    } catch (RuntimeException e) {
      throw fail("read", key, e);
    }
    BlobProperties p = in.getProperties();
    ObjectInfo info = info(key, p);
    long length;
    try {
      length = range == null ? p.getBlobSize() : range.resolveLength(key, p.getBlobSize());
    } catch (DwException e) {
      closeQuietly(in);
      throw e;
    }
    InputStream stream = in;
    if (range == null && info.sha256() != null) {
      stream = new VerifyingInputStream(in, "object '" + key + "' in store '" + name + "'", p.getBlobSize(), info.sha256());
    }
    return new ObjectContent(info, stream, range == null ? 0 : range.offset(), length);
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // already failing
    }
  }

  @Override
  public ObjectInfo stat(String key) {
    ObjectKeys.validate(key);
    BlobProperties p = properties(key, blob(key).getBlockBlobClient());
    if (p == null) {
      throw DwException.notFound("no object '" + key + "' in store '" + name + "'");
    }
    return info(key, p);
  }

  /** The blob's properties, or null when absent. */
  private BlobProperties properties(String key, BlockBlobClient bb) {
    try {
      return bb.getPropertiesWithResponse(null, timeout, Context.NONE).getValue();
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 404 && !BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode())) {
        return null;
      }
      throw fail("stat", key, e);
    } catch (RuntimeException e) {
      throw fail("stat", key, e);
    }
  }

  private ObjectInfo info(String key, BlobProperties p) {
    Map<String, String> meta = p.getMetadata() == null ? Map.of() : p.getMetadata();
    Map<String, String> user = new HashMap<>(meta);
    user.keySet().removeIf(k -> k.startsWith("dw"));
    return new ObjectInfo(key, p.getBlobSize(), meta.get(SHA_META), p.getContentType(), user,
        p.getLastModified() == null ? null : p.getLastModified().toInstant(), p.getETag(), worm(p));
  }

  private static WormState worm(BlobProperties p) {
    BlobImmutabilityPolicy ip = p.getImmutabilityPolicy();
    Retention r = null;
    if (ip != null && ip.getExpiryTime() != null && ip.getPolicyMode() != null
        && ip.getPolicyMode() != BlobImmutabilityPolicyMode.MUTABLE) {
      r = new Retention(ip.getPolicyMode() == BlobImmutabilityPolicyMode.LOCKED ? RetentionMode.COMPLIANCE : RetentionMode.GOVERNANCE,
          ip.getExpiryTime().toInstant());
    }
    return new WormState(r, Boolean.TRUE.equals(p.hasLegalHold()));
  }

  // ---------------------------------------------------------------- delete, list

  @Override
  public boolean delete(String key) {
    ObjectKeys.validate(key);
    BlockBlobClient bb = blob(key).getBlockBlobClient();
    BlobProperties p = properties(key, bb);
    if (p == null) {
      return false;
    }
    checkNotLocked(key, "delete", p);
    try {
      return bb.deleteIfExists();
    } catch (RuntimeException e) {
      throw fail("delete", key, e);
    }
  }

  @Override
  public ListPage list(ListRequest request) {
    ensureContainer();
    try {
      ListBlobsOptions o = new ListBlobsOptions().setMaxResultsPerPage(request.maxKeys());
      if (!request.prefix().isEmpty()) {
        o.setPrefix(request.prefix());
      }
      var iterable = request.delimiter() == null ? container.listBlobs(o, request.pageToken(), timeout)
          : container.listBlobsByHierarchy(request.delimiter(), o, timeout);
      var pages = iterable.iterableByPage(request.pageToken(), request.maxKeys()).iterator();
      List<ObjectInfo> objects = new ArrayList<>();
      List<String> prefixes = new ArrayList<>();
      String next = null;
      if (pages.hasNext()) {
        var page = pages.next();
        for (BlobItem item : page.getValue()) {
          if (Boolean.TRUE.equals(item.isPrefix())) {
            prefixes.add(item.getName());
          } else {
            var bp = item.getProperties();
            objects.add(new ObjectInfo(item.getName(), bp.getContentLength() == null ? 0 : bp.getContentLength(), null,
                bp.getContentType(), Map.of(), bp.getLastModified() == null ? null : bp.getLastModified().toInstant(),
                bp.getETag(), WormState.NONE));
          }
        }
        next = page.getContinuationToken();
        if (next != null && next.isEmpty()) {
          next = null;
        }
      }
      return new ListPage(objects, prefixes, next);
    } catch (RuntimeException e) {
      throw fail("list", request.prefix() + "*", e);
    }
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
    WormState current = state(key);
    Instant now = Instant.now();
    retention.requireFuture(key, now);
    if (current.retention() != null) {
      current.retention().checkExtension(key, retention, now);
    }
    try {
      blob(key).setImmutabilityPolicy(policy(retention));
    } catch (RuntimeException e) {
      throw fail("set the immutability policy of", key, e);
    }
    return new WormState(retention, current.legalHold());
  }

  /**
   * An unlocked (GOVERNANCE) immutability policy may be set to an earlier expiry by whoever may
   * manage it: the service needs no bypass flag, so the check is ours.
   */
  @Override
  public WormState shortenGovernanceRetention(String key, Retention retention) {
    WormState current = state(key);
    Retention.checkGovernanceBypass(key, current.retention(), retention, Instant.now());
    try {
      blob(key).setImmutabilityPolicy(policy(retention));
    } catch (RuntimeException e) {
      throw fail("shorten the immutability policy of", key, e);
    }
    return new WormState(retention, current.legalHold());
  }

  @Override
  public WormState setLegalHold(String key, boolean hold) {
    WormState current = state(key);
    try {
      blob(key).setLegalHold(hold);
    } catch (RuntimeException e) {
      throw fail("set the legal hold of", key, e);
    }
    return new WormState(current.retention(), hold);
  }

  private void checkNotLocked(String key, String what, BlobProperties p) {
    if (p == null) {
      return;
    }
    worm(p).refuseIfLocked(what, key, name, Instant.now());
  }

  // ---------------------------------------------------------------- health, errors

  @Override
  public Health probe() {
    try {
      boolean exists = container.existsWithResponse(timeout, Context.NONE).getValue();
      Health h = exists || createContainer ? Health.up() : Health.down("container '" + containerName + "' does not exist "
          + "(create it, or set createContainer: true)");
      return h.withDetail("type", "azure-blob").withDetail("container", containerName)
          .withDetail("endpoint", container.getBlobContainerUrl());
    } catch (RuntimeException e) {
      return Health.down("azure-blob store '" + name + "' (" + container.getBlobContainerUrl() + ") does not answer", e);
    }
  }

  @Override
  public void close() {
    blocks.shutdownNow();
  }

  private DwException fail(String op, String key, RuntimeException e) {
    if (e instanceof DwException dw) {
      return dw;
    }
    String where = "cannot " + op + " '" + key + "' in store '" + name + "' (container " + containerName + ")";
    if (e instanceof BlobStorageException s) {
      String detail = s.getErrorCode() + ": " + firstLine(s.getServiceMessage());
      if (s.getStatusCode() == 404 && BlobErrorCode.CONTAINER_NOT_FOUND.equals(s.getErrorCode())) {
        return DwException.of(ErrorCode.FAILED_PRECONDITION, where + ": the container does not exist (create it, or set "
            + "createContainer: true)", e);
      }
      ErrorCode code = switch (s.getStatusCode()) {
        case 400 -> ErrorCode.INVALID_ARGUMENT;
        case 403 -> ErrorCode.PERMISSION_DENIED;
        case 404 -> ErrorCode.NOT_FOUND;
        case 409 -> String.valueOf(s.getErrorCode()).toLowerCase(java.util.Locale.ROOT).contains("immutab")
            || String.valueOf(s.getErrorCode()).toLowerCase(java.util.Locale.ROOT).contains("legalhold")
            ? ErrorCode.RETENTION_LOCKED : ErrorCode.CONFLICT;
        case 412 -> ErrorCode.CONFLICT;
        case 416 -> ErrorCode.INVALID_ARGUMENT;
        case 501 -> ErrorCode.UNSUPPORTED;
        default -> s.getStatusCode() >= 500 ? ErrorCode.UNAVAILABLE : ErrorCode.INTERNAL;
      };
      if (code == ErrorCode.NOT_FOUND) {
        return DwException.notFound("no object '" + key + "' in store '" + name + "'");
      }
      return DwException.of(code, where + ": the service answered HTTP " + s.getStatusCode() + " " + detail, e);
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof IOException || e instanceof UncheckedIOException) {
      return DwException.unavailable(where + ": " + root, e);
    }
    return DwException.of(ErrorCode.INTERNAL, where + ": " + e, e);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }
}
