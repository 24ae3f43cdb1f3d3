package io.datawarehouse.bench.storage;

import java.io.IOException;
import java.util.SplittableRandom;

/**
 * The pairs of {@link S3StoreBenchmark} ({@code store_get} vs {@code baseline_sdkGet},
 * {@code store_put} vs {@code baseline_sdkPut}), interleaved in short batches so that both sides
 * see the same load of the machine and of S3Mock (see {@link Interleaved}). Wall time is the
 * figure that counts here: S3Mock's work is in another process.
 *
 * <p>Needs S3Mock on 127.0.0.1:9090 ({@code source scripts/services.d/s3mock.sh && ensure_s3mock}).
 * Run: {@code java -cp dw-bench/target/benchmarks.jar io.datawarehouse.bench.storage.S3StoreInterleaved
 * get|put SIZE [ROUNDS [BATCH]]}
 */
public final class S3StoreInterleaved {
  private static final int KEYS = 4;

  private S3StoreInterleaved() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2 || !(args[0].equals("get") || args[0].equals("put"))) {
      System.err.println("usage: S3StoreInterleaved get|put SIZE [ROUNDS [BATCH]]");
      System.exit(2);
    }
    boolean get = args[0].equals("get");
    int size = Integer.parseInt(args[1]);
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    int batch = args.length > 3 ? Integer.parseInt(args[3]) : Math.max(1, (8 << 20) / Math.max(size, 64 << 10));
    byte[] data = new byte[size];
    new SplittableRandom(42).nextBytes(data);
    byte[] sink = new byte[256 * 1024];
    try (S3Pair pair = new S3Pair(data, KEYS)) {
      if (get) {
        Interleaved.run("baseline_sdkGet", i -> pair.sdkGet(i, sink), "store_get", i -> pair.storeGet(i, sink), size,
            rounds, batch);
      } else {
        Interleaved.run("baseline_sdkPut", pair::sdkPut, "store_put", pair::storePut, size, rounds, batch);
      }
    }
  }
}
