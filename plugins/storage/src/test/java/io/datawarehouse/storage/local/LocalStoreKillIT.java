package io.datawarehouse.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.storage.ListPage;
import io.datawarehouse.storage.ListRequest;
import io.datawarehouse.storage.ObjectContent;
import io.datawarehouse.storage.ObjectInfo;
import io.datawarehouse.storage.TestData;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writer process (SIGKILL) in the middle of its puts, then proves that every acknowledged
 * object is there with exactly its content, that the object being overwritten is one whole
 * version, and that nothing partial is visible.
 */
class LocalStoreKillIT {
  @TempDir
  Path dir;

  @Test
  void kill_duringWrites_noPartialObjectAndEveryAckedObjectIntact() throws Exception {
    for (int round = 0; round < 3; round++) {
      Map<String, long[]> acked = runAndKill(12 + round * 5);
      try (LocalObjectStore store = LocalObjectStore.open("kill", dir, Time.SYSTEM)) {
        try (Stream<Path> s = Files.walk(dir)) {
          assertThat(s.filter(p -> p.getFileName().toString().startsWith(AtomicFiles.TEMP_PREFIX)).toList())
              .as("temporary files after recovery").isEmpty();
        }
        for (Map.Entry<String, long[]> e : acked.entrySet()) {
          if (e.getKey().equals("same/overwritten")) {
            continue;
          }
          long seed = e.getValue()[0];
          long size = e.getValue()[1];
          try (ObjectContent c = store.get(e.getKey(), null)) {
            assertThat(c.length()).isEqualTo(size);
            assertThat(TestData.sha256(c.stream())).isEqualTo(TestData.sha256(seed, size));
          }
        }
        // everything visible is whole: full reads verify SHA-256 and length
        ListRequest req = ListRequest.prefix("");
        while (true) {
          ListPage page = store.list(req);
          for (ObjectInfo o : page.objects()) {
            try (ObjectContent c = store.get(o.key(), null)) {
              TestData.sha256(c.stream());
            }
          }
          if (!page.hasMore()) {
            break;
          }
          req = req.withPageToken(page.nextPageToken());
        }
        // the overwritten key holds one of the versions written (the acknowledged one or a later one)
        ObjectInfo same = store.stat("same/overwritten");
        long[] last = acked.get("same/overwritten");
        assertThat(same.size()).isIn(List.of(1_000_000L, 1_333_333L, 1_666_666L, 1_999_999L, 2_333_332L, 2_666_665L, 2_999_998L));
        assertThat(last).isNotNull();
      }
    }
  }

  /** Starts the writer, waits for {@code acks} acknowledgements, kills it; returns key -> {seed, size}. */
  private Map<String, long[]> runAndKill(int acks) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process proc = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        KillWriter.class.getName(), dir.toString()).redirectErrorStream(false).start();
    Map<String, long[]> acked = new HashMap<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
      int n = 0;
      String line;
      while (n < acks && (line = r.readLine()) != null) {
        String[] f = line.split(" ");
        if (f[0].equals("ACK")) {
          acked.put(f[1], new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])});
          n++;
        }
      }
      if (n < acks) {
        proc.destroyForcibly();
        throw new AssertionError("the writer ended after " + n + " acknowledgements: "
            + new String(proc.getErrorStream().readNBytes(4000), StandardCharsets.UTF_8));
      }
      proc.destroyForcibly(); // SIGKILL, mid-way through the next put
      proc.waitFor();
    }
    return acked;
  }
}
