package io.datawarehouse.raid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * jqwik: for any level and shape, any sequence of writes of random offsets and lengths reads back
 * as a reference byte array does, also after losing as many random disks as the level tolerates.
 */
class RaidArrayPropertyTest {

  @Property(tries = 8)
  void randomWrites_thenLostDisks_readBackAsTheReference(
      @ForAll @IntRange(min = 0, max = 7) int shape, @ForAll @IntRange(min = 1, max = 60) int ops, @ForAll long seed) throws IOException {
    ArraySpec spec = ArrayConfigs.all().get(shape);
    Path dir = Files.createTempDirectory("raid-prop");
    try {
      SplittableRandom rnd = new SplittableRandom(seed);
      byte[] ref;
      try (RaidArray a = RaidArray.create(dir, spec)) {
        ref = new byte[(int) a.capacity()];
        for (int i = 0; i < ops; i++) {
          int len = 1 + rnd.nextInt(Math.min(ref.length, 5 * spec.blockSize() * 3));
          int pos = rnd.nextInt(ref.length - len + 1);
          byte[] b = new byte[len];
          TestBytes.fill(rnd, b);
          a.write(pos, b);
          System.arraycopy(b, 0, ref, pos, len);
          if (rnd.nextInt(4) == 0) {
            int rl = 1 + rnd.nextInt(20_000);
            int rp = rnd.nextInt(ref.length - Math.min(rl, ref.length) + 1);
            byte[] got = a.read(rp, Math.min(rl, ref.length - rp));
            for (int x = 0; x < got.length; x++) {
              if (got[x] != ref[rp + x]) {
                throw new AssertionError(ArrayConfigs.label(spec) + " op " + i + ": byte " + (rp + x) + " differs");
              }
            }
          }
        }
      }
      List<Integer> lost = new ArrayList<>();
      int tolerance = spec.faultTolerance();
      while (lost.size() < tolerance) {
        int d = rnd.nextInt(spec.disks());
        if (!lost.contains(d)) {
          lost.add(d);
          Files.delete(dir.resolve("disk-" + d + ".img"));
        }
      }
      try (RaidArray a = RaidArray.open(dir)) {
        RaidArrayTest.assertContent(a, ref, ArrayConfigs.label(spec) + " without disks " + lost);
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
    }
  }
}
