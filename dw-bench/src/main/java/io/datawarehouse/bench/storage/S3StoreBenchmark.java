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
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The s3 store beside the bare AWS SDK v2 client (same HTTP client, same S3Mock, same bucket) in
 * the same run. Scores are operations per second; MB/s = score x size / 2^20.
 *
 * <ul>
 *   <li>{@code store_put} vs {@code baseline_sdkPut}: the store hashes the content (SHA-256) and
 *       sends it as a checksum the service verifies; above 16 MiB it uploads 8 MiB parts, 4 at a
 *       time, and tags the object with its SHA-256. The baseline is one PutObject.
 *   <li>{@code store_get} vs {@code baseline_sdkGet}: the store verifies the SHA-256 as it streams.
 * </ul>
 *
 * Needs S3Mock on 127.0.0.1:9090 ({@code source scripts/services.d/s3mock.sh && ensure_s3mock}).
 * Goal: the store at 90% or more of the bare SDK.
 *
 * <p>Run: {@code java -jar dw-bench/target/benchmarks.jar S3StoreBenchmark -f 1 -wi 2 -i 3 -r 2s}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class S3StoreBenchmark {
  private static final String ENDPOINT = System.getProperty("dw.bench.s3.endpoint", "http://127.0.0.1:9090");
  private static final String BUCKET = "dw-bench";
  private static final int KEYS = 4;

  @Param({"4096", "1048576", "33554432"})
  int size;

  private byte[] data;
  private byte[] sink;
  private S3Client bare;
  private ObjectStore store;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    data = new byte[size];
    new SplittableRandom(42).nextBytes(data);
    sink = new byte[256 * 1024];
    bare = S3Client.builder().region(Region.US_EAST_1).endpointOverride(URI.create(ENDPOINT)).forcePathStyle(true)
        .httpClientBuilder(Apache5HttpClient.builder().maxConnections(16))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench"))).build();
    try {
      bare.headBucket(b -> b.bucket(BUCKET));
    } catch (S3Exception e) {
      bare.createBucket(b -> b.bucket(BUCKET));
    }
    ObjectStoreProvider p = ObjectStoreProvider.forType("s3", getClass().getClassLoader());
    Config options = p.configDef().parse("bench", Json.mapper().valueToTree(Map.of("bucket", BUCKET, "endpoint", ENDPOINT,
        "pathStyle", true, "accessKeyId", "bench", "secretAccessKey", "bench", "objectLock", "off")));
    store = p.open(new StoreSpec("bench", null, options, Path.of("target"), Time.SYSTEM));
    for (int i = 0; i < KEYS; i++) {
      store.put("store/" + i, new ByteArrayInputStream(data), size, PutOptions.DEFAULT);
      int n = i;
      bare.putObject(b -> b.bucket(BUCKET).key("bare/" + n), RequestBody.fromBytes(data));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
    bare.close();
  }

  private int nextIndex() {
    next = (next + 1) % KEYS;
    return next;
  }

  @Benchmark
  public Object store_put() {
    return store.put("store/" + nextIndex(), new ByteArrayInputStream(data), size, PutOptions.DEFAULT);
  }

  @Benchmark
  public Object baseline_sdkPut() {
    int n = nextIndex();
    return bare.putObject(b -> b.bucket(BUCKET).key("bare/" + n).contentLength((long) size),
        RequestBody.fromInputStream(new ByteArrayInputStream(data), size));
  }

  @Benchmark
  public long store_get() throws IOException {
    try (ObjectContent c = store.get("store/" + nextIndex(), null)) {
      return Streams.drain(c.stream(), sink);
    }
  }

  @Benchmark
  public long baseline_sdkGet() throws IOException {
    int n = nextIndex();
    try (InputStream in = bare.getObject(b -> b.bucket(BUCKET).key("bare/" + n))) {
      return Streams.drain(in, sink);
    }
  }

}
