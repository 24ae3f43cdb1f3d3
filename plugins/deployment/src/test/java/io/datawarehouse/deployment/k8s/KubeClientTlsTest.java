package io.datawarehouse.deployment.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Time;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The https path: the API server's certificate is checked against the CA file. */
class KubeClientTlsTest {
  @TempDir
  Path tmp;

  /** A self-signed certificate for 127.0.0.1 made with the JDK's keytool; returns the keystore. */
  private Path keystore(String alias) throws Exception {
    Path ks = tmp.resolve(alias + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname",
        "secp256r1", "-dname", "CN=" + alias, "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return ks;
  }

  private static Path pem(Path ks, String alias, Path target) throws Exception {
    KeyStore k = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      k.load(in, "changeit".toCharArray());
    }
    String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(k.getCertificate(alias).getEncoded());
    Files.writeString(target, "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n");
    return target;
  }

  @Test
  void https_serverCertificateCheckedAgainstTheCaFile() throws Exception {
    Path ks = keystore("apiserver");
    KeyStore k = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      k.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(k, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.setHttpsConfigurator(new HttpsConfigurator(ctx));
    server.createContext("/", ex -> {
      try (ex) {
        byte[] b = KubeClientTest.deployment(1, 1, 1, 1, 1, 1, "7", "NewReplicaSetAvailable").toString()
            .getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
      }
    });
    server.start();
    try {
      Files.writeString(tmp.resolve("token"), "t");
      Files.writeString(tmp.resolve("namespace"), "shop");
      URI url = URI.create("https://127.0.0.1:" + server.getAddress().getPort());
      Path ca = pem(ks, "apiserver", tmp.resolve("ca.crt"));
      try (KubeClient c = new KubeClient(new KubeClient.Settings(url, tmp.resolve("token"), ca, tmp.resolve("namespace"),
          Duration.ofSeconds(5)), Time.SYSTEM)) {
        assertThat(c.getDeployment("web").path("metadata").path("resourceVersion").asText()).isEqualTo("7");
      }
      Path other = pem(keystore("stranger"), "stranger", tmp.resolve("other-ca.crt"));
      try (KubeClient c = new KubeClient(new KubeClient.Settings(url, tmp.resolve("token"), other,
          tmp.resolve("namespace"), Duration.ofSeconds(5)), Time.SYSTEM)) {
        assertThatThrownBy(() -> c.getDeployment("web")).isInstanceOf(DwException.class)
            .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE));
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void https_withoutCaFile_isRefused() throws Exception {
    Files.writeString(tmp.resolve("token"), "t");
    Files.writeString(tmp.resolve("namespace"), "shop");
    assertThatThrownBy(() -> new KubeClient(new KubeClient.Settings(URI.create("https://127.0.0.1:1"),
        tmp.resolve("token"), tmp.resolve("missing.crt"), tmp.resolve("namespace"), Duration.ofSeconds(1)), Time.SYSTEM))
        .hasMessageContaining("cannot load the CA file");
  }
}
