package io.datawarehouse.connector.azureblob;

import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.storage.StoreSpec;
import io.datawarehouse.testkit.ManualTime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Azurite's blob service on 127.0.0.1:10000 for the tests: reused when it answers, otherwise
 * started by {@code scripts/services.d/azurite.sh} (the same script CI uses).
 */
final class Azurite {
  /** Azurite's published development account; not a secret. */
  static final String CONNECTION_STRING = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
      + "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
      + "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

  private Azurite() {}

  static synchronized void ensure() throws IOException, InterruptedException {
    if (answers()) {
      return;
    }
    String root = System.getProperty("dw.root", Path.of("").toAbsolutePath().resolve("../..").normalize().toString());
    Process p = new ProcessBuilder("bash", "-c", "source '" + root + "/scripts/services.d/azurite.sh' && ensure_azurite")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0 || !answers()) {
      throw new IllegalStateException("cannot start Azurite: " + out);
    }
  }

  private static boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", 10000), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static StoreSpec spec(String name, String container, Map<String, Object> extra) {
    Map<String, Object> options = new HashMap<>(Map.of("container", container, "createContainer", true,
        "connectionString", CONNECTION_STRING));
    options.putAll(extra);
    Config cfg = new AzureBlobStoreProvider().configDef().parse("storage.stores." + name + ".options",
        Json.mapper().valueToTree(options));
    return new StoreSpec(name, null, cfg, Path.of(System.getProperty("java.io.tmpdir")), new ManualTime());
  }
}
