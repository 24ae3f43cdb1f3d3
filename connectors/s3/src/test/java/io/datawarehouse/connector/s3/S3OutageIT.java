package io.datawarehouse.connector.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.storage.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The storage plugin (found by the kernel like in production) with an s3 store behind a TCP
 * proxy to S3Mock: the link is cut while writes are in flight; every write is acknowledged (the
 * ones the service did not take are journaled), the store reports DEGRADED, and once the link is
 * back the journal is replayed and S3 holds every object with identical content.
 */
class S3OutageIT {
  static final String BUCKET = "dw-outage";

  @TempDir
  Path tmp;

  @BeforeAll
  static void mock() throws Exception {
    S3MockServer.ensure();
    S3MockServer.bucket(BUCKET, false);
  }

  @Test
  void linkCutMidWrites_degradedThenReplayedWithIdenticalContent() throws Exception {
    try (TcpProxy proxy = new TcpProxy(S3MockServer.PORT)) {
      Path config = tmp.resolve("dw.yaml");
      Files.writeString(config, """
          storage:
            defaultStore: remote
            stores:
              remote:
                type: s3
                probeInterval: 300ms
                retries: 0
                options:
                  bucket: %s
                  endpoint: http://127.0.0.1:%d
                  pathStyle: true
                  accessKeyId: test
                  secretAccessKey: test
                  objectLock: "off"
                  requestTimeout: 3s
          """.formatted(BUCKET, proxy.port()));
      try (Kernel kernel = Kernel.builder().configFile(config).dataDir(tmp.resolve("data")).build()) {
        kernel.start();
        assertThat(kernel.pluginState("storage")).isEqualTo(Kernel.PluginState.RUNNING);
        String run = Long.toHexString(System.nanoTime());
        Map<String, byte[]> written = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
          if (i == 4) {
            proxy.cutAfterBytes(100_000); // write 4 loses the link a third of the way through its upload
          }
          byte[] data = TestData.bytes(i, 300_000 + i);
          String key = "outage/" + run + "/" + i;
          JsonNode info = kernel.bus().requestSync(Message.json("storage.write", Map.of("key", key,
              "contentBase64", Base64.getEncoder().encodeToString(data))), Duration.ofSeconds(60)).jsonTree();
          assertThat(info.get("size").asLong()).isEqualTo(data.length);
          written.put(key, data);
        }
        Health h = kernel.plugin("storage").health();
        assertThat(h.components().get("store:remote").status()).isIn(Health.Status.DEGRADED, Health.Status.DOWN);

        proxy.restore();
        try (S3Client bare = S3MockServer.client()) {
          Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions().untilAsserted(() -> {
            for (Map.Entry<String, byte[]> e : written.entrySet()) {
              assertThat(bare.getObjectAsBytes(b -> b.bucket(BUCKET).key(e.getKey())).asByteArray()).isEqualTo(e.getValue());
            }
          });
        }
      }
    }
  }
}
