package io.datawarehouse.tamperproof;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.Time;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing process (SIGKILL, in another JVM) at random moments, several times over the same
 * store, and checks after each kill that nothing acknowledged was lost, no half-written record is
 * visible, and the store and its ledger agree (verification finds no incident once the store has
 * recovered).
 */
class CrashRecoveryIT {
  @TempDir Path dir;
  @TempDir Path logs;

  @Test
  void killedMidWrite_afterRestartStoreAndLedgerAgreeAndNothingAcknowledgedIsLost() throws Exception {
    long seed = System.nanoTime();
    System.out.println("CrashRecoveryIT seed " + seed);
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, String> acked = new ConcurrentHashMap<>();
    Set<String> deleted = ConcurrentHashMap.newKeySet();
    Set<String> held = ConcurrentHashMap.newKeySet();
    Path errors = logs.resolve("writer.err");
    for (int round = 0; round < 6; round++) {
      int target = rnd.nextInt(8, 40);
      AtomicInteger acks = new AtomicInteger();
      CountDownLatch enough = new CountDownLatch(1);
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(), dir.toString(),
          Long.toString(rnd.nextLong()))
          .redirectError(errors.toFile())
          .start();
      Thread reader = Thread.ofVirtual().start(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.split(" ");
            switch (f[0]) {
              case "ACK" -> {
                acked.put(f[1], f[2]);
                if (acks.incrementAndGet() >= target) {
                  enough.countDown();
                }
              }
              case "DEL" -> deleted.add(f[1]);
              case "HOLD" -> held.add(f[1]);
              default -> { }
            }
          }
        } catch (java.io.IOException e) {
          // the process was killed
        }
      });
      boolean ok = enough.await(120, TimeUnit.SECONDS);
      assertThat(ok).as("round %d: %d acknowledged writes; writer's stderr: %s; class path %s", round, target,
          Files.readString(errors), System.getProperty("java.class.path")).isTrue();
      Thread.sleep(rnd.nextInt(0, 40)); // land the kill anywhere in the next operations
      p.destroyForcibly();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      reader.join(Duration.ofSeconds(10));

      try (TamperProofStore store = TamperProofStore.open(dir, TamperProofConfig.defaults(), Time.SYSTEM)) {
        for (Map.Entry<String, String> e : acked.entrySet()) {
          RecordInfo r = store.info(e.getKey());
          assertThat(r.sha256()).isEqualTo(e.getValue());
          if (deleted.contains(e.getKey())) {
            assertThat(r.exists()).isFalse();
          } else if (r.exists()) {
            assertThat(StoreFixture.sha256(store.read(e.getKey()))).isEqualTo(e.getValue());
          }
          if (held.contains(e.getKey())) {
            assertThat(r.legalHold()).isTrue();
          }
        }
        for (RecordInfo r : store.list(null)) {
          // acknowledged or not (killed after its entry was durable but before the ACK), a visible record is whole
          assertThat(StoreFixture.sha256(store.read(r.id()))).isEqualTo(r.sha256());
        }
        VerifyReport hot = store.scan(null);
        assertThat(hot.incidents()).as("round %d scan", round).isEmpty();
      }
      VerifyReport cold = TamperProofStore.verifyOffline(dir, VerifyOptions.all(), Time.SYSTEM);
      assertThat(cold.incidents()).as("round %d verify", round).isEmpty();
      assertThat(Files.exists(dir.resolve(TamperProofStore.RUNNING_MARKER))).isFalse();
    }
    assertThat(acked).hasSizeGreaterThan(30);
  }
}
