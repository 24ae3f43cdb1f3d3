package io.datawarehouse.sdk.provider;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.Jedis;

/**
 * The "JVM-side component" of {@link ResilientBackendRedisIT}, run in its own process so the test
 * can kill it: a {@link ResilientBackend} whose real backend is a Redis list.
 *
 * <pre>
 *   write JOURNAL_DIR PORT FROM COUNT DELAY_MS   append item-FROM.. and print "ACK i" after each acknowledged write
 *   recover JOURNAL_DIR PORT APPLY_DELAY_MS      replay what is journaled, print "RECOVERED", exit
 * </pre>
 */
public final class RedisJournalWriter {
  /** The test SPI: append an item to a list. */
  interface ItemList {
    void append(String idempotencyKey, String item) throws Exception;
  }

  /** Applies an append once per idempotency key, atomically, on the server. */
  static final String APPEND_ONCE =
      "if redis.call('SETNX', KEYS[1], '1') == 1 then redis.call('RPUSH', KEYS[2], ARGV[1]) end return 1";

  private RedisJournalWriter() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path journal = Path.of(args[1]);
    int port = Integer.parseInt(args[2]);
    long applyDelayMs = mode.equals("recover") ? Long.parseLong(args[3]) : 0;
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    List<Jedis> clients = Collections.synchronizedList(new ArrayList<>());
    ResilientBackend<ItemList> backend = ResilientBackend.<ItemList>builder("items")
        .target("redis://127.0.0.1:" + port)
        .connector(() -> {
          Jedis j = new Jedis("127.0.0.1", port, 500);
          j.ping();
          clients.add(j);
          return (key, item) -> {
            if (applyDelayMs > 0) {
              LockSupport.parkNanos(applyDelayMs * 1_000_000);
            }
            synchronized (j) {
              j.eval(APPEND_ONCE, List.of("idem:" + key, "items"), List.of(item));
            }
          };
        })
        .probe(list -> {
          synchronized (clients) {
            if (clients.isEmpty()) {
              throw new IllegalStateException("no client");
            }
            Jedis j = clients.get(clients.size() - 1);
            synchronized (j) {
              j.ping();
            }
          }
        })
        .closer(list -> { })
        .applier((list, rec) -> list.append(rec.idempotencyKey(), new String(rec.payload(), StandardCharsets.UTF_8)))
        .fallback(() -> (key, item) -> { })
        .options(ResilienceOptions.defaults().withProbeInterval(Duration.ofMillis(200)).withRetries(0, Duration.ofMillis(1)))
        .journalDir(journal)
        .scheduler(scheduler)
        .build();
    backend.start();
    if (mode.equals("write")) {
      int from = Integer.parseInt(args[3]);
      int count = Integer.parseInt(args[4]);
      long delay = Long.parseLong(args[5]);
      for (int i = from; i < from + count; i++) {
        backend.write("append", "item-" + i, ("item-" + i).getBytes(StandardCharsets.UTF_8));
        System.out.println("ACK " + i);
        System.out.flush();
        LockSupport.parkNanos(delay * 1_000_000);
      }
      System.out.println("DONE");
    } else {
      while (backend.state() != ResilientBackend.State.CONNECTED || backend.pendingRecords() > 0) {
        backend.probeOnce();
        LockSupport.parkNanos(50_000_000);
      }
      System.out.println("RECOVERED " + backend.replayedTotal());
    }
    System.out.flush();
    backend.close();
    scheduler.shutdownNow();
    System.exit(0);
  }
}
