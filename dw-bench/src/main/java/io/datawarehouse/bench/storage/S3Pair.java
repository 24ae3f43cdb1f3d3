package io.datawarehouse.bench.storage;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.storage.ObjectContent;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreProvider;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.StoreSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The two sides of the s3 comparison: our s3 store and the bare AWS SDK v2 client, on the same
 * HTTP client, the same S3Mock and the same bucket, each with {@code keys} objects of the same
 * bytes written at the start. {@code -Ddw.bench.s3.multipartThreshold=64MiB} sets the store's
 * multi-part threshold (default 16MiB), to tell the cost of multi-part uploads apart.
 */
final class S3Pair implements AutoCloseable {
  static final String ENDPOINT = System.getProperty("dw.bench.s3.endpoint", "http://127.0.0.1:9090");
  static final String BUCKET = "dw-bench";

  private final byte[] data;
  private final int keys;
  private final S3Client bare;
  private final ObjectStore store;

  S3Pair(byte[] data, int keys) {
    this.data = data;
    this.keys = keys;
    bare = S3Client.builder().region(Region.US_EAST_1).endpointOverride(URI.create(ENDPOINT)).forcePathStyle(true)
        .httpClientBuilder(Apache5HttpClient.builder().maxConnections(16))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench"))).build();
    try {
      bare.headBucket(b -> b.bucket(BUCKET));
    } catch (S3Exception e) {
      bare.createBucket(b -> b.bucket(BUCKET));
    }
    ObjectStoreProvider p = ObjectStoreProvider.forType("s3", getClass().getClassLoader());
    Map<String, Object> o = new HashMap<>(Map.of("bucket", BUCKET, "endpoint", ENDPOINT, "pathStyle", true,
        "accessKeyId", "bench", "secretAccessKey", "bench", "objectLock", "off"));
    String threshold = System.getProperty("dw.bench.s3.multipartThreshold");
    if (threshold != null) {
      o.put("multipartThreshold", threshold); // the store's default is 16MiB
    }
    Config options = p.configDef().parse("bench", Json.mapper().valueToTree(o));
    store = p.open(new StoreSpec("bench", null, options, Path.of("target"), Time.SYSTEM));
    for (int i = 0; i < keys; i++) {
      storePut(i);
      sdkPut(i);
    }
  }

  Object storePut(int i) {
    return store.put("store/" + i % keys, new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT);
  }

  Object sdkPut(int i) {
    String key = "bare/" + i % keys;
    return bare.putObject(b -> b.bucket(BUCKET).key(key).contentLength((long) data.length),
        RequestBody.fromInputStream(new ByteArrayInputStream(data), data.length));
  }

  long storeGet(int i, byte[] sink) throws IOException {
    try (ObjectContent c = store.get("store/" + i % keys, null)) {
      return Streams.drain(c.stream(), sink);
    }
  }

  long sdkGet(int i, byte[] sink) throws IOException {
    String key = "bare/" + i % keys;
    try (InputStream in = bare.getObject(b -> b.bucket(BUCKET).key(key))) {
      return Streams.drain(in, sink);
    }
  }

  @Override
  public void close() {
    store.close();
    bare.close();
  }
}
