package io.datawarehouse.connector.s3;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreProvider;
import io.datawarehouse.storage.StoreSpec;

/**
 * Provider of the {@code s3} store. Options (the store's {@code options} section; the bucket may
 * also come from the store's {@code url}, {@code s3://bucket}):
 *
 * <ul>
 *   <li>{@code bucket}, {@code region} (default us-east-1), {@code endpoint} (for S3-compatible
 *       services), {@code pathStyle};
 *   <li>{@code accessKeyId} and {@code secretAccessKey}, or nothing for the standard AWS chain
 *       (environment, profile, instance role);
 *   <li>{@code multipartThreshold} (16MiB), {@code partSize} (8MiB, at least 5MiB),
 *       {@code parallelism} (4 parts in flight);
 *   <li>{@code objectLock}: {@code auto} (WORM works when the bucket has versioning and Object
 *       Lock, otherwise WORM requests fail with FAILED_PRECONDITION saying why), {@code required}
 *       (the store does not start without them), {@code off} (WORM is UNSUPPORTED);
 *   <li>{@code requestTimeout} (60s per API call attempt).
 * </ul>
 */
public final class S3StoreProvider implements ObjectStoreProvider {
  static final long MIN_PART = 5L * 1024 * 1024;

  private static final ConfigDef DEF = ConfigDef.builder()
      .string("bucket", null, "the bucket (or give it in the url: s3://bucket)")
      .string("region", "us-east-1", "the AWS region")
      .string("endpoint", null, "endpoint override for S3-compatible services (http://127.0.0.1:9090)")
      .bool("pathStyle", false, "path-style addressing (endpoint/bucket/key), needed by most S3-compatible services")
      .string("accessKeyId", null, "access key id; empty: the standard AWS credential chain")
      .password("secretAccessKey", "secret access key, with accessKeyId")
      .size("multipartThreshold", "16MiB", Validators.range(MIN_PART, 5L << 30), "objects above this size are uploaded in parts")
      .size("partSize", "8MiB", Validators.range(MIN_PART, 5L << 30), "size of each part of a multi-part upload")
      .integer("parallelism", 4, Validators.range(1, 64), "parts uploaded at once (memory: (parallelism + 1) x partSize)")
      .define("objectLock", ConfigDef.Type.STRING, "auto", Validators.oneOf("auto", "required", "off"),
          "WORM through S3 Object Lock: auto, required (no start without versioning and Object Lock), off")
      .duration("requestTimeout", "60s", "timeout of one API call attempt")
      .build();

  @Override
  public String type() {
    return "s3";
  }

  @Override
  public ConfigDef configDef() {
    return DEF;
  }

  @Override
  public ObjectStore open(StoreSpec spec) {
    Config o = spec.options();
    String bucket = spec.target("s3", o.getString("bucket"), "bucket");
    if (o.getSize("partSize") > o.getSize("multipartThreshold")) {
      throw DwException.invalidArgument("store '" + spec.name() + "': partSize (" + o.getSize("partSize")
          + ") must not exceed multipartThreshold (" + o.getSize("multipartThreshold") + ")");
    }
    if (o.getString("accessKeyId") != null && o.getPassword("secretAccessKey") == null) {
      throw DwException.invalidArgument("store '" + spec.name() + "': accessKeyId is set but secretAccessKey is not");
    }
    S3ObjectStore store = new S3ObjectStore(spec, bucket);
    if (o.getString("objectLock").equalsIgnoreCase("required")) {
      try {
        store.requireObjectLock();
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    }
    return store;
  }
}
