package io.datawarehouse.connector.s3;

import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.storage.StoreSpec;
import io.datawarehouse.testkit.ManualTime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3Mock on 127.0.0.1 for the tests: reused when something already answers on the port
 * ({@code scripts/services.d/s3mock.sh} in CI), otherwise started as a separate JVM from the jar
 * Maven copied into {@code target/s3mock} and stopped when the test JVM exits. Its Spring Boot
 * stack never touches our class path.
 */
public final class S3MockServer {
  public static final int PORT = Integer.getInteger("dw.s3mock.port", 9090);
  public static final String ENDPOINT = "http://127.0.0.1:" + PORT;
  private static Process process;

  private S3MockServer() {}

  /** Makes sure S3Mock answers; starts it when it does not. */
  public static synchronized void ensure() throws IOException, InterruptedException {
    if (answers()) {
      return;
    }
    String jar = System.getProperty("dw.s3mock.jar");
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException("S3Mock is not running on " + ENDPOINT + " and its jar (" + jar
          + ") is missing; run the tests through Maven, or scripts/services.d/s3mock.sh");
    }
    Path root = Files.createTempDirectory("s3mock");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process = new ProcessBuilder(java, "-Xmx512m", "-jar", jar, "--server.address=127.0.0.1",
        "--com.adobe.testing.s3mock.store.root=" + root)
        .redirectErrorStream(true).redirectOutput(root.resolveSibling(root.getFileName() + ".log").toFile()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> process.destroy(), "s3mock-stop"));
    long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    while (!answers()) {
      if (!process.isAlive()) {
        throw new IllegalStateException("S3Mock exited with " + process.exitValue() + "; see " + root + ".log");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Mock did not answer on " + ENDPOINT + " within 4 minutes");
      }
      Thread.sleep(500);
    }
  }

  private static boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", PORT), 500);
    } catch (IOException e) {
      return false;
    }
    try (HttpClient c = HttpClient.newHttpClient()) {
      HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(ENDPOINT + "/")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("ListAllMyBucketsResult");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A bare SDK client on the mock. */
  public static S3Client client() {
    return S3Client.builder().region(Region.US_EAST_1).endpointOverride(URI.create(ENDPOINT)).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
  }

  /** Creates {@code bucket} (with Object Lock when asked) unless it exists. */
  public static void bucket(String bucket, boolean objectLock) {
    try (S3Client c = client()) {
      try {
        c.headBucket(b -> b.bucket(bucket));
      } catch (S3Exception e) {
        c.createBucket(b -> b.bucket(bucket).objectLockEnabledForBucket(objectLock));
        if (objectLock) {
          // AWS turns versioning on with Object Lock; S3Mock needs to be told
          c.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        }
      }
    }
  }

  /** A spec for an s3 store on the mock. */
  public static StoreSpec spec(String name, String bucket, Map<String, Object> extra) {
    Map<String, Object> options = new java.util.HashMap<>(Map.of("bucket", bucket, "endpoint", ENDPOINT, "pathStyle", true,
        "accessKeyId", "test", "secretAccessKey", "test"));
    options.putAll(extra);
    ConfigDef def = new S3StoreProvider().configDef();
    Config cfg = def.parse("storage.stores." + name + ".options", Json.mapper().valueToTree(options));
    return new StoreSpec(name, null, cfg, Path.of(System.getProperty("java.io.tmpdir")), new ManualTime());
  }
}
