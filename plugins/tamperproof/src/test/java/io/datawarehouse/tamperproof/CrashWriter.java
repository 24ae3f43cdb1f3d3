package io.datawarehouse.tamperproof;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.json.Json;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;

/**
 * The process {@link CrashRecoveryIT} kills: writes records (and holds, extensions and deletions)
 * as fast as it can, printing a line for each operation once it returned (so it is acknowledged),
 * until it is killed. Arguments: data directory, seed.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    SplittableRandom rnd = new SplittableRandom(Long.parseLong(args[1]));
    TamperProofConfig config = TamperProofConfig.from(TamperProofConfig.DEFINITION.parse("tamperproof",
        Json.tree("{\"checkpoint\":{\"everyEntries\":7}}".getBytes(StandardCharsets.UTF_8), "config")));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Deque<String> shortLived = new ArrayDeque<>();
    Caller caller = Caller.of("crash-writer", Permission.LEGAL_HOLD);
    try (TamperProofStore store = TamperProofStore.open(dir, config, Time.SYSTEM)) {
      out.println("OPEN " + store.recordCount());
      for (long n = 0; ; n++) {
        byte[] data = new byte[rnd.nextInt(1, 300 * 1024)];
        rnd.nextBytes(data);
        boolean expiring = n % 4 == 0;
        WriteOptions o = WriteOptions.in("crash")
            .withRetention(expiring ? Duration.ofMillis(1) : Duration.ofDays(1));
        RecordInfo r = store.write(data, o, caller);
        out.println("ACK " + r.id() + " " + r.sha256());
        if (expiring) {
          shortLived.add(r.id());
        }
        if (n % 5 == 1 && !expiring) {
          store.hold(r.id(), true, caller, "hold " + n);
          out.println("HOLD " + r.id());
        }
        if (shortLived.size() > 2) {
          String id = shortLived.poll();
          store.delete(id, caller, "expired");
          out.println("DEL " + id);
        }
      }
    }
  }
}
