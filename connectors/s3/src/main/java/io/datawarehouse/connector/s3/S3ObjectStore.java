package io.datawarehouse.connector.s3;

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
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.ObjectLockLegalHoldStatus;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * The {@code s3} store.
 *
 * <p>Puts read the content in parts of {@code partSize} while hashing it (SHA-256). Content that
 * ends within {@code multipartThreshold} goes up in one PutObject carrying its SHA-256 both as the
 * {@code x-amz-checksum-sha256} the service verifies and as user metadata {@code dwsha256}; larger
 * content goes up as a multi-part upload with {@code parallelism} parts in flight (memory is
 * bounded by (parallelism + 1) x partSize), each part CRC32-checked by the service; any failure
 * aborts the upload, so no partial object ever becomes visible. The SHA-256 of a multi-part
 * object, known only at the end, is stored as the object tag {@code dwsha256}. Full reads verify
 * against whichever is present.
 *
 * <p>WORM goes through S3 Object Lock: retention and legal hold headers on the put,
 * PutObjectRetention and PutObjectLegalHold afterwards. Object Lock protects object versions;
 * since a plain overwrite or delete in a versioned bucket adds a version or a delete marker
 * instead of failing, this store also refuses them itself (RETENTION_LOCKED) when the current
 * version is locked. Needs versioning and Object Lock on the bucket (checked, see
 * {@link S3StoreProvider}).
 *
 * <p>Thread-safe; the client pools connections.
 */
final class S3ObjectStore implements ObjectStore, Worm {
  static final String SHA_META = "dwsha256";

  private final String name;
  private final String bucket;
  private final S3Client s3;
  private final long threshold;
  private final int partSize;
  private final int parallelism;
  private final String objectLock;
  private final String endpoint;
  private final ExecutorService parts;
  private volatile Boolean lockEnabled;

  S3ObjectStore(StoreSpec spec, String bucket) {
    Config o = spec.options();
    this.name = spec.name();
    this.bucket = bucket;
    this.threshold = o.getSize("multipartThreshold");
    this.partSize = Math.toIntExact(o.getSize("partSize"));
    this.parallelism = o.getInt("parallelism");
    this.objectLock = o.getString("objectLock").toLowerCase(java.util.Locale.ROOT);
    this.endpoint = o.getString("endpoint");
    S3ClientBuilder b = S3Client.builder()
        .region(Region.of(o.getString("region")))
        .forcePathStyle(o.isTrue("pathStyle"))
        .httpClientBuilder(Apache5HttpClient.builder().maxConnections(Math.max(16, parallelism * 2 + 8)))
        .overrideConfiguration(c -> c.apiCallAttemptTimeout(o.getDuration("requestTimeout")));
    if (endpoint != null) {
      b.endpointOverride(URI.create(endpoint));
    }
    if (o.getString("accessKeyId") != null) {
      b.credentialsProvider(StaticCredentialsProvider.create(
          AwsBasicCredentials.create(o.getString("accessKeyId"), o.getPassword("secretAccessKey").reveal())));
    } else {
      b.credentialsProvider(DefaultCredentialsProvider.builder().build());
    }
    this.s3 = b.build();
    this.parts = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("dw-s3-" + name + "-part-", 0).factory());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return "s3";
  }

  // ---------------------------------------------------------------- put

  @Override
  public ObjectInfo put(String key, InputStream content, long sizeHint, PutOptions options) {
    ObjectKeys.validate(key);
    PutOptions opts = options == null ? PutOptions.DEFAULT : options;
    if (opts.isWorm()) {
      ensureWorm();
      if (opts.retention() != null) {
        opts.retention().requireFuture(key, Instant.now());
      }
    }
    checkNotLocked(key, "overwrite");
    ChunkedContent in = new ChunkedContent(content, partSize, sizeHint);
    try {
      if (in.readAhead(threshold)) {
        return putSingle(key, in.buffered(), in.count(), in.sha256Hex(), opts);
      }
      return putMultipart(key, in, opts);
    } catch (IOException e) {
      throw DwException.unavailable("cannot read the content for '" + key + "': " + e.getMessage(), e);
    }
  }

  private ObjectInfo putSingle(String key, byte[] body, long total, String sha, PutOptions opts) {
    opts.verifySha256(key, sha);
    Map<String, String> meta = new HashMap<>(opts.metadata());
    meta.put(SHA_META, sha);
    PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key).contentType(opts.contentType())
        .contentLength(total).metadata(meta)
        .checksumSHA256(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha)));
    if (opts.retention() != null) {
      req.objectLockMode(ObjectLockMode.fromValue(opts.retention().mode().name()))
          .objectLockRetainUntilDate(opts.retention().retainUntil());
    }
    if (opts.legalHold()) {
      req.objectLockLegalHoldStatus(ObjectLockLegalHoldStatus.ON);
    }
    try {
      PutObjectResponse r = s3.putObject(req.build(), RequestBody.fromInputStream(new ByteArrayInputStream(body), total));
      return new ObjectInfo(key, total, sha, opts.contentType(), opts.metadata(), Instant.now(), etag(r.eTag(), r.versionId()),
          confirmWorm(key, opts));
    } catch (SdkException e) {
      throw fail("put", key, e);
    }
  }

  private ObjectInfo putMultipart(String key, ChunkedContent in, PutOptions opts) throws IOException {
    CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
        .contentType(opts.contentType()).metadata(opts.metadata()).checksumAlgorithm(ChecksumAlgorithm.CRC32);
    if (opts.retention() != null) {
      create.objectLockMode(ObjectLockMode.fromValue(opts.retention().mode().name()))
          .objectLockRetainUntilDate(opts.retention().retainUntil());
    }
    if (opts.legalHold()) {
      create.objectLockLegalHoldStatus(ObjectLockLegalHoldStatus.ON);
    }
    String uploadId;
    try {
      uploadId = s3.createMultipartUpload(create.build()).uploadId();
    } catch (SdkException e) {
      throw fail("start the multi-part upload of", key, e);
    }
    Semaphore inFlight = new Semaphore(parallelism);
    List<Future<CompletedPart>> futures = new ArrayList<>();
    boolean completed = false;
    try {
      int partNo = 0;
      long total = 0;
      while (true) {
        byte[] chunk = in.next();
        if (chunk.length == 0) {
          break;
        }
        total += chunk.length;
        failFast(futures);
        inFlight.acquire();
        int n = ++partNo;
        byte[] data = chunk;
        futures.add(parts.submit(() -> {
          try {
            UploadPartResponse r = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(n)
                .contentLength((long) data.length).checksumAlgorithm(ChecksumAlgorithm.CRC32),
                RequestBody.fromInputStream(new ByteArrayInputStream(data), data.length));
            return CompletedPart.builder().partNumber(n).eTag(r.eTag()).checksumCRC32(r.checksumCRC32()).build();
          } finally {
            inFlight.release();
          }
        }));
        if (chunk.length < partSize) {
          break;
        }
      }
      List<CompletedPart> done = new ArrayList<>();
      for (Future<CompletedPart> f : futures) {
        done.add(f.get());
      }
      String sha = in.sha256Hex();
      opts.verifySha256(key, sha);
      var r = s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
          .multipartUpload(m -> m.parts(done)));
      completed = true;
      s3.putObjectTagging(b -> b.bucket(bucket).key(key).versionId(r.versionId())
          .tagging(t -> t.tagSet(Tag.builder().key(SHA_META).value(sha).build())));
      return new ObjectInfo(key, total, sha, opts.contentType(), opts.metadata(), Instant.now(), etag(r.eTag(), r.versionId()),
          confirmWorm(key, opts));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DwException.of(ErrorCode.CANCELLED, "upload of '" + key + "' to store '" + name + "' was interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof SdkException se ? fail("upload a part of", key, se)
          : DwException.wrap(e.getCause(), "upload of '" + key + "' to store '" + name + "'");
    } catch (SdkException e) {
      throw fail("complete the upload of", key, e);
    } finally {
      if (!completed) {
        futures.forEach(f -> f.cancel(true));
        abort(key, uploadId);
      }
    }
  }

  private static void failFast(List<Future<CompletedPart>> futures) throws ExecutionException, InterruptedException {
    for (Future<CompletedPart> f : futures) {
      if (f.isDone()) {
        f.get(); // throws if that part failed
      }
    }
  }

  private void abort(String key, String uploadId) {
    try {
      s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
    } catch (SdkException e) {
      // the bucket's lifecycle rule for incomplete uploads is the backstop; the object never appeared
      System.getLogger(S3ObjectStore.class.getName()).log(System.Logger.Level.WARNING,
          "cannot abort multi-part upload " + uploadId + " of '" + key + "' in store '" + name + "': " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- read

  @Override
  public ObjectContent get(String key, ByteRange range) {
    ObjectKeys.validate(key);
    GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(bucket).key(key);
    if (range != null) {
      req.range(range.httpHeader());
    }
    ResponseInputStream<GetObjectResponse> in;
    try {
      in = s3.getObject(req.build());
    } catch (SdkException e) {
      if (e instanceof S3Exception s && s.statusCode() == 416) {
        throw DwException.invalidArgument("range " + range.httpHeader() + " starts past the end of '" + key + "' in store '" + name + "'");
      }
      throw fail("read", key, e);
    }
    GetObjectResponse r = in.response();
    long size = range == null ? r.contentLength() : totalFromContentRange(r.contentRange(), r.contentLength());
    String sha = r.metadata().get(SHA_META);
    if (sha == null && range == null) {
      sha = shaTag(key, r.versionId());
    }
    ObjectInfo info = new ObjectInfo(key, size, sha, r.contentType(), userMeta(r.metadata()), r.lastModified(),
        etag(r.eTag(), r.versionId()), worm(r.objectLockMode(), r.objectLockRetainUntilDate(), r.objectLockLegalHoldStatus()));
    InputStream stream = in;
    if (range == null && sha != null) {
      stream = new VerifyingInputStream(in, "object '" + key + "' in store '" + name + "'", size, sha);
    }
    return new ObjectContent(info, stream, range == null ? 0 : range.offset(), r.contentLength());
  }

  private static long totalFromContentRange(String contentRange, long fallback) {
    if (contentRange != null) {
      int slash = contentRange.lastIndexOf('/');
      if (slash >= 0 && !contentRange.endsWith("*")) {
        return Long.parseLong(contentRange.substring(slash + 1).trim());
      }
    }
    return fallback;
  }

  @Override
  public ObjectInfo stat(String key) {
    ObjectKeys.validate(key);
    HeadObjectResponse h = head(key);
    if (h == null) {
      throw DwException.notFound("no object '" + key + "' in store '" + name + "'");
    }
    return info(key, h);
  }

  private ObjectInfo info(String key, HeadObjectResponse h) {
    String sha = h.metadata().get(SHA_META);
    if (sha == null) {
      sha = shaTag(key, h.versionId());
    }
    WormState w = worm(h.objectLockMode(), h.objectLockRetainUntilDate(), h.objectLockLegalHoldStatus());
    if (h.objectLockMode() == null && h.objectLockLegalHoldStatus() == null && Boolean.TRUE.equals(lockEnabled)) {
      w = state(key); // the head may omit lock fields (S3Mock always does): ask the lock APIs
    }
    return new ObjectInfo(key, h.contentLength(), sha, h.contentType(), userMeta(h.metadata()), h.lastModified(),
        etag(h.eTag(), h.versionId()), w);
  }

  /** The object's head, or null when absent. */
  private HeadObjectResponse head(String key) {
    try {
      return s3.headObject(b -> b.bucket(bucket).key(key));
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return null;
      }
      throw fail("stat", key, e);
    } catch (SdkException e) {
      throw fail("stat", key, e);
    }
  }

  private String shaTag(String key, String versionId) {
    try {
      for (Tag t : s3.getObjectTagging(b -> b.bucket(bucket).key(key).versionId(versionId)).tagSet()) {
        if (t.key().equals(SHA_META)) {
          return t.value();
        }
      }
      return null;
    } catch (S3Exception e) {
      if (e.statusCode() == 404 || e.statusCode() == 501) {
        return null;
      }
      throw fail("read the tags of", key, e);
    } catch (SdkException e) {
      throw fail("read the tags of", key, e);
    }
  }

  // ---------------------------------------------------------------- delete, list

  @Override
  public boolean delete(String key) {
    ObjectKeys.validate(key);
    HeadObjectResponse h = head(key);
    if (h == null) {
      return false;
    }
    checkNotLocked(key, "delete", info(key, h).worm());
    try {
      s3.deleteObject(b -> b.bucket(bucket).key(key));
      return true;
    } catch (SdkException e) {
      throw fail("delete", key, e);
    }
  }

  @Override
  public ListPage list(ListRequest request) {
    try {
      ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket(bucket).prefix(request.prefix())
          .delimiter(request.delimiter()).maxKeys(request.maxKeys()).continuationToken(request.pageToken())
          .encodingType(EncodingType.URL)); // keys may hold characters XML 1.0 cannot carry; the SDK decodes them
      List<ObjectInfo> objects = new ArrayList<>();
      for (S3Object o : r.contents()) {
        objects.add(new ObjectInfo(o.key(), o.size(), null, null, Map.of(), o.lastModified(), stripQuotes(o.eTag()), WormState.NONE));
      }
      List<String> prefixes = r.commonPrefixes().stream().map(cp -> cp.prefix()).toList();
      return new ListPage(objects, prefixes, Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null);
    } catch (SdkException e) {
      throw fail("list", request.prefix() + "*", e);
    }
  }

  // ---------------------------------------------------------------- WORM

  @Override
  public Worm worm() {
    ensureWorm();
    return this;
  }

  @Override
  public WormState state(String key) {
    ObjectKeys.validate(key);
    ensureWorm();
    Retention retention = null;
    boolean hold = false;
    try {
      var r = s3.getObjectRetention(b -> b.bucket(bucket).key(key)).retention();
      if (r != null && r.mode() != null && r.retainUntilDate() != null) {
        retention = new Retention(RetentionMode.parse(r.modeAsString()), r.retainUntilDate());
      }
    } catch (S3Exception e) {
      if (!noLockConfig(e)) {
        throw fail("read the retention of", key, e);
      }
    } catch (SdkException e) {
      throw fail("read the retention of", key, e);
    }
    try {
      var h = s3.getObjectLegalHold(b -> b.bucket(bucket).key(key)).legalHold();
      hold = h != null && h.status() == ObjectLockLegalHoldStatus.ON;
    } catch (S3Exception e) {
      if (!noLockConfig(e)) {
        throw fail("read the legal hold of", key, e);
      }
    } catch (SdkException e) {
      throw fail("read the legal hold of", key, e);
    }
    return new WormState(retention, hold);
  }

  /**
   * Whether an error means "this object has no lock configuration" rather than "no such object":
   * S3 answers 404 NoSuchObjectLockConfiguration, S3Mock 404 NotFound saying so in the message.
   */
  private static boolean noLockConfig(S3Exception e) {
    if (e.statusCode() != 404 || e.awsErrorDetails() == null) {
      return false;
    }
    String code = String.valueOf(e.awsErrorDetails().errorCode());
    String msg = String.valueOf(e.awsErrorDetails().errorMessage());
    return !code.equals("NoSuchKey") && !code.equals("NoSuchVersion") && (code.contains("ObjectLock") || msg.contains("ObjectLock"));
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
      s3.putObjectRetention(b -> b.bucket(bucket).key(key).retention(r -> r
          .mode(ObjectLockRetentionMode.fromValue(retention.mode().name())).retainUntilDate(retention.retainUntil())));
    } catch (SdkException e) {
      throw fail("set the retention of", key, e);
    }
    return new WormState(retention, current.legalHold());
  }

  /** PutObjectRetention with {@code x-amz-bypass-governance-retention: true}. */
  @Override
  public WormState shortenGovernanceRetention(String key, Retention retention) {
    WormState current = state(key);
    Retention.checkGovernanceBypass(key, current.retention(), retention, Instant.now());
    try {
      s3.putObjectRetention(b -> b.bucket(bucket).key(key).bypassGovernanceRetention(true).retention(r -> r
          .mode(ObjectLockRetentionMode.GOVERNANCE).retainUntilDate(retention.retainUntil())));
    } catch (SdkException e) {
      throw fail("shorten the governance retention of", key, e);
    }
    return new WormState(retention, current.legalHold());
  }

  @Override
  public WormState setLegalHold(String key, boolean hold) {
    WormState current = state(key);
    try {
      s3.putObjectLegalHold(b -> b.bucket(bucket).key(key)
          .legalHold(h -> h.status(hold ? ObjectLockLegalHoldStatus.ON : ObjectLockLegalHoldStatus.OFF)));
    } catch (SdkException e) {
      throw fail("set the legal hold of", key, e);
    }
    return new WormState(current.retention(), hold);
  }

  /** Checks versioning and Object Lock on the bucket; FAILED_PRECONDITION naming what is off. */
  void requireObjectLock() {
    try {
      var v = s3.getBucketVersioning(b -> b.bucket(bucket));
      if (v.status() != BucketVersioningStatus.ENABLED) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "store '" + name + "': bucket '" + bucket + "' has versioning "
            + (v.status() == null ? "never enabled" : v.statusAsString()) + "; WORM through S3 Object Lock needs versioning "
            + "Enabled and a bucket created with Object Lock (or set objectLock: off)");
      }
      var lc = s3.getObjectLockConfiguration(b -> b.bucket(bucket)).objectLockConfiguration();
      if (lc == null || lc.objectLockEnabled() != ObjectLockEnabled.ENABLED) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "store '" + name + "': bucket '" + bucket
            + "' does not have Object Lock enabled; WORM needs a bucket created with Object Lock (or set objectLock: off)");
      }
      lockEnabled = true;
    } catch (S3Exception e) {
      if (e.statusCode() == 404 && e.awsErrorDetails() != null
          && String.valueOf(e.awsErrorDetails().errorCode()).contains("ObjectLockConfiguration")) {
        throw DwException.of(ErrorCode.FAILED_PRECONDITION, "store '" + name + "': bucket '" + bucket
            + "' has no Object Lock configuration; WORM needs a bucket created with Object Lock (or set objectLock: off)", e);
      }
      throw fail("check Object Lock on", "", e);
    } catch (SdkException e) {
      throw fail("check Object Lock on", "", e);
    }
  }

  private void ensureWorm() {
    if (objectLock.equals("off")) {
      throw DwException.unsupported("store '" + name + "' has WORM turned off (objectLock: off)");
    }
    if (!Boolean.TRUE.equals(lockEnabled)) {
      requireObjectLock();
    }
  }

  private void checkNotLocked(String key, String what) {
    if (objectLock.equals("off")) {
      return;
    }
    if (lockEnabled == null) {
      try {
        requireObjectLock();
      } catch (DwException e) {
        if (e.code() != ErrorCode.FAILED_PRECONDITION) {
          throw e;
        }
        lockEnabled = false; // objects here cannot be locked: no check needed
      }
    }
    if (!lockEnabled) {
      return;
    }
    HeadObjectResponse h = head(key);
    if (h != null) {
      checkNotLocked(key, what, info(key, h).worm());
    }
  }

  private void checkNotLocked(String key, String what, WormState w) {
    w.refuseIfLocked(what, key, name, Instant.now());
  }

  /**
   * Reads back the lock of a WORM put and applies what the service did not keep from the
   * headers (S3 applies them with the write; S3Mock ignores them and only honours the separate
   * calls), then checks again: a WORM put never returns unless the lock is in place.
   */
  private WormState confirmWorm(String key, PutOptions o) {
    WormState wanted = new WormState(o.retention(), o.legalHold());
    if (!o.isWorm()) {
      return WormState.NONE;
    }
    WormState got = state(key);
    if (o.retention() != null && got.retention() == null) {
      extendRetention(key, o.retention());
    }
    if (o.legalHold() && !got.legalHold()) {
      setLegalHold(key, true);
    }
    got = state(key);
    if ((o.retention() != null && !o.retention().equals(got.retention())) || (o.legalHold() && !got.legalHold())) {
      throw DwException.of(ErrorCode.INTERNAL, "store '" + name + "': '" + key + "' was written but its lock reads back as "
          + got + " instead of " + wanted + "; do not rely on it being protected");
    }
    return got;
  }

  private static WormState worm(ObjectLockMode mode, Instant until, ObjectLockLegalHoldStatus hold) {
    Retention r = mode != null && mode != ObjectLockMode.UNKNOWN_TO_SDK_VERSION && until != null
        ? new Retention(RetentionMode.parse(mode.toString()), until) : null;
    return new WormState(r, hold == ObjectLockLegalHoldStatus.ON);
  }

  // ---------------------------------------------------------------- health, errors

  @Override
  public Health probe() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
      Health h = Health.up().withDetail("type", "s3").withDetail("bucket", bucket);
      if (endpoint != null) {
        h = h.withDetail("endpoint", endpoint);
      }
      if (!objectLock.equals("off")) {
        try {
          requireObjectLock();
          h = h.withDetail("worm", "Object Lock enabled");
        } catch (DwException e) {
          h = h.withDetail("worm", e.getMessage());
        }
      }
      return h;
    } catch (SdkException e) {
      return Health.down("s3 store '" + name + "' (bucket " + bucket + (endpoint == null ? "" : " at " + endpoint)
          + ") does not answer", e);
    }
  }

  @Override
  public void close() {
    parts.shutdownNow();
    s3.close();
  }

  private DwException fail(String op, String key, SdkException e) {
    String where = "cannot " + op + " '" + key + "' in store '" + name + "' (bucket " + bucket + ")";
    if (e instanceof S3Exception s) {
      String detail = s.awsErrorDetails() == null ? s.getMessage()
          : s.awsErrorDetails().errorCode() + ": " + s.awsErrorDetails().errorMessage();
      ErrorCode code = switch (s.statusCode()) {
        case 400 -> ErrorCode.INVALID_ARGUMENT;
        case 403 -> detail != null && detail.contains("ObjectLock") ? ErrorCode.RETENTION_LOCKED : ErrorCode.PERMISSION_DENIED;
        case 404 -> ErrorCode.NOT_FOUND;
        case 409 -> ErrorCode.CONFLICT;
        case 412 -> ErrorCode.FAILED_PRECONDITION;
        case 501 -> ErrorCode.UNSUPPORTED;
        default -> s.statusCode() >= 500 ? ErrorCode.UNAVAILABLE : ErrorCode.INTERNAL;
      };
      if (code == ErrorCode.NOT_FOUND) {
        return DwException.notFound("no object '" + key + "' in store '" + name + "'");
      }
      return DwException.of(code, where + ": HTTP " + s.statusCode() + " " + detail, e);
    }
    if (e instanceof SdkClientException) {
      return DwException.unavailable(where + ": " + e.getMessage(), e);
    }
    return DwException.of(ErrorCode.INTERNAL, where + ": " + e.getMessage(), e);
  }

  private static Map<String, String> userMeta(Map<String, String> m) {
    Map<String, String> out = new HashMap<>(m);
    out.keySet().removeIf(k -> k.startsWith("dw"));
    return out;
  }

  private static String etag(String etag, String versionId) {
    String e = stripQuotes(etag);
    return versionId == null || versionId.equals("null") ? e : e + "@" + versionId;
  }

  private static String stripQuotes(String s) {
    return s == null ? null : s.replace("\"", "");
  }
}
