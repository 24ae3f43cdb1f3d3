package io.datawarehouse.raid;

import io.datawarehouse.sdk.Progress;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * The process {@link RaidCrashIT} kills. {@code write DIR SEED FLUSH_EVERY ACKS}: random writes
 * forever, a flush every FLUSH_EVERY writes, after which the number of writes now durable is
 * appended to ACKS (and forced). {@code rebuild DIR RATE}: a rate-limited rebuild.
 */
public final class CrashChild {
  private CrashChild() {}

  /** The deterministic content of write number {@code op}: offset and bytes. */
  public static byte[] op(long seed, long op, long capacity, long[] offsetOut) {
    SplittableRandom r = new SplittableRandom(seed * 1_000_003 + op);
    int len = 1 + r.nextInt(40_000);
    long off = r.nextLong(capacity - len + 1);
    byte[] b = new byte[len];
    TestBytes.fill(r, b);
    offsetOut[0] = off;
    return b;
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[1]);
    if (args[0].equals("rebuild")) {
      try (RaidArray a = RaidArray.open(dir)) {
        a.rebuild(Progress.Listener.NONE, Long.parseLong(args[2]));
      }
      return;
    }
    long seed = Long.parseLong(args[2]);
    int every = Integer.parseInt(args[3]);
    try (RaidArray a = RaidArray.open(dir);
        FileChannel acks = FileChannel.open(Path.of(args[4]), StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
      long[] off = new long[1];
      long start = Long.parseLong(args[5]);
      for (long i = start; ; i++) {
        byte[] b = op(seed, i, a.capacity(), off);
        a.write(off[0], b);
        if ((i + 1) % every == 0) {
          a.flush();
          acks.write(java.nio.ByteBuffer.wrap(((i + 1) + "\n").getBytes(StandardCharsets.US_ASCII)));
          acks.force(false);
        }
      }
    }
  }
}
